using Ltc.Lattices;
using Ltc.Tests.Lattices;
using MathNet.Numerics.LinearAlgebra;

namespace Ltc.Tests.Robustness;

/// <summary>
/// Kind 1, unbounded loops on finite input: every catalog decoder, given finite vectors of any magnitude up to 1e300,
/// returns within a bounded time either a closest lattice point or a one-line <see cref="LtcException"/>. Lattices
/// whose points have integer or half-integer coordinates and contain cZⁿ (c a power of 2) are checked exactly at every
/// magnitude by translating x by a lattice point c·round(x/c); the others must refuse inputs beyond
/// <see cref="LatticeCatalog.MaxDecodeMagnitude"/> and are checked against the sphere decoder below it.
/// </summary>
public class DecoderMagnitudeTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    private static readonly string[] AllNames =
        [.. LatticeTestSupport.Names.Union(LatticeCatalog.ListedNames).Union(["A7", "A7*", "D7", "E8^2", "BW16", "Leech", "Z8+E7", "A2+D4"])];

    // The decoders of A_n, A_n*, A2, E6, E6*, E7, E7* and Zⁿ (and direct sums of them); D_n, D_n*, E8, BW16 and the
    // Leech lattice have their own decoders, checked by the same contract in a test of their own.
    private static bool IsAnFamilyOrZ(Lattice l) => l is ProductLattice p
        ? p.Parts.All(IsAnFamilyOrZ)
        : l is IntegerLattice or AnLattice or AnDualLattice or HexagonalLattice or E6Lattice or E7Lattice;

    public static IEnumerable<object[]> AnFamilyNames() =>
        AllNames.Where(n => IsAnFamilyOrZ(LatticeCatalog.Parse(n))).Select(n => new object[] { n });

    public static IEnumerable<object[]> OtherNames() =>
        AllNames.Where(n => !IsAnFamilyOrZ(LatticeCatalog.Parse(n))).Select(n => new object[] { n });

    public static IEnumerable<object[]> CatalogNames() => AllNames.Select(n => new object[] { n });

    // A seed from the name that is the same in every process (string.GetHashCode is randomized).
    private static int Seed(string name) => name.Aggregate(17, (h, c) => unchecked(h * 31 + c)) & 0x7fffffff;

    private static async Task RunBounded(string what, Action body)
    {
        var work = Task.Run(body);
        var first = await Task.WhenAny(work, Task.Delay(Budget));
        Assert.True(first == work, $"{what} did not finish within {Budget.TotalSeconds} s (a decoder loops on a large input)");
        await work;
    }

    private static void CheckContract(string name)
    {
        var lattice = LatticeCatalog.Parse(name);
        var rng = new Random(Seed(name) ^ 1234);
        var checker = new Checker(lattice);
        foreach (var x in Inputs(lattice.Dimension, rng, 40)) checker.Check(x);
    }

    [Theory]
    [MemberData(nameof(AnFamilyNames))]
    public Task TheAnFamilyDecodersGiveAClosestPointOrAOneLineErrorForEveryFiniteInput(string name) =>
        RunBounded($"{name}: 40 decodes", () => CheckContract(name));

    /// <summary>
    /// The same contract for the D_n, D_n*, E8, BW16 and Leech decoders (in Lattice files owned elsewhere). These have
    /// integer or half-integer coordinates, so they are checked exactly at every magnitude; today they return points
    /// off the lattice when coordinates reach about 2^53 (the coordinate sum that decides the parity loses its low bit,
    /// and half-integers stop being representable), where they should refuse as the A_n family does.
    /// </summary>
    [Theory]
    [MemberData(nameof(OtherNames))]
    public Task TheOtherDecodersGiveAClosestPointOrAOneLineErrorForEveryFiniteInput(string name) =>
        RunBounded($"{name}: 40 decodes", () => CheckContract(name));

    [Theory]
    [MemberData(nameof(CatalogNames))]
    public Task EveryCatalogDecoderReturnsPromptlyOnEveryFiniteInput(string name) =>
        RunBounded($"{name}: 200 decodes", () =>
        {
            var lattice = LatticeCatalog.Parse(name);
            var rng = new Random(Seed(name) ^ 99);
            var y = new double[lattice.Dimension];
            foreach (var x in Inputs(lattice.Dimension, rng, 200))
            {
                try { lattice.ClosestPoint(x, y); }
                catch (LtcException e) { Assert.DoesNotContain('\n', e.Message); }
            }
        });

    [Fact]
    public async Task TheIssueInputsReturnPromptly()
    {
        // huge_e7.npy (coordinates up to 1e30) and the G: case whose rounded centre saturated a 64-bit integer.
        double[] e7 = [1e30, -2e30, 3e29, 1, 2, 3, 4];
        double[] g = [830, 177, 261, 313, 263, 821, 882, 623, 135, 184, 398, 489, 659, 531, 338, 243];
        double[] g22 = [3.1e22, -1.7e22, 2.2e22, 9.0e21];
        var work = Task.Run(() =>
        {
            foreach (var n in new[] { "E7", "E7*", "A7", "A7*" })
            {
                var e = Assert.Throws<LtcException>(() => LatticeCatalog.Parse(n).ClosestPoint(e7, new double[7]));
                Assert.Contains("2^40", e.Message);
            }
            var gl = new GeneratorLattice("G:test", g, 4);
            Assert.Throws<LtcException>(() => gl.ClosestPoint(g22, new double[4]));
            // Just inside the supported range it decodes, exactly.
            new Checker(gl).Check([1e11, -3e10, 7e9, 123.25]);
        });
        Assert.True(await Task.WhenAny(work, Task.Delay(Budget)) == work, "the issue inputs did not return");
        await work;
    }

    [Fact]
    public async Task GeneratorLatticesStayExactUpToTheLimitAndRefuseBeyondIt()
    {
        var work = Task.Run(() =>
        {
            var rng = new Random(7);
            for (int trial = 0; trial < 12; trial++)
            {
                int n = 2 + trial % 5;
                var g = new double[n * n];
                if (trial % 2 == 0) for (int i = 0; i < g.Length; i++) g[i] = rng.Next(-999, 1000);
                else for (int i = 0; i < g.Length; i++) g[i] = LatticeTestSupport.Gaussian(rng) * Math.Pow(10, rng.Next(-3, 4));
                GeneratorLattice l;
                try { l = new GeneratorLattice($"G:random{trial}", g, n); }
                catch (LtcException) { continue; } // singular or ill-conditioned: refused up front, fine
                var checker = new Checker(l);
                foreach (var x in Inputs(n, rng, 25)) checker.Check(x);
            }
        });
        Assert.True(await Task.WhenAny(work, Task.Delay(Budget)) == work, "G: decodes did not finish in time");
        await work;
    }

    [Fact]
    public void AKnapsackLikeBasisOfDimension64IsRefusedUpFrontAndEverySearchIsBounded()
    {
        int n = 64;
        var rng = new Random(3);
        var g = new double[n * n];
        double s = 0;
        for (int i = 0; i < n - 1; i++)
        {
            double a = Math.Floor(rng.NextDouble() * 1e5) + 1;
            g[i * n + i] = 1;
            g[i * n + n - 1] = a;
            if (rng.Next(2) == 1) s += a;
        }
        for (int j = 0; j < n - 1; j++) g[(n - 1) * n + j] = 0.5;
        g[n * n - 1] = s;
        var e = Assert.Throws<LtcException>(() => new GeneratorLattice("G:knapsack64", g, n));
        Assert.Contains("search nodes per vector", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        // A search that needs more nodes than its limit gives up with a one-line error instead of running on.
        var z64 = new double[n * n];
        for (int i = 0; i < n; i++) z64[i * n + i] = 1;
        var sd = new SphereDecoder(z64, n) { NodeLimit = 1000 };
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 10).ToArray();
        var limit = Assert.Throws<LtcException>(() => sd.ClosestPoint(x, new double[n]));
        Assert.Contains("gave up after 1000", limit.Message);
        Assert.InRange(new SphereDecoder(new LeechLattice()).Log10EstimatedNodes, 1, GeneratorLattice.MaxLog10Nodes);
    }

    [Fact]
    public void TheAnFixUpIsExactForAnyDeficiency()
    {
        // The fix-up moves Δ mod N coordinates at once: compare with the greedy definition, one unit step at a time.
        var rng = new Random(11);
        for (int trial = 0; trial < 300; trial++)
        {
            int len = 2 + rng.Next(12);
            var x = new double[len];
            double shift = rng.Next(-50, 51) + rng.NextDouble();
            for (int i = 0; i < len; i++) x[i] = LatticeTestSupport.Gaussian(rng) * 3 + shift;
            var y = new double[len];
            double d = AnDecoding.DecodeAn(x, y);
            Assert.Equal(0, y.Sum());
            Assert.Equal(GreedyAn(x), d, 9);
        }
    }

    // The Conway–Sloane definition: round, then move the cheapest coordinate one unit at a time until the sum is 0.
    private static double GreedyAn(double[] x)
    {
        var y = x.Select(v => Math.Round(v)).ToArray();
        long delta = (long)y.Sum();
        while (delta != 0)
        {
            int sign = delta > 0 ? 1 : -1, arg = 0;
            double best = double.PositiveInfinity;
            for (int i = 0; i < y.Length; i++)
            {
                double key = sign * (x[i] - y[i]);
                if (key < best) { best = key; arg = i; }
            }
            y[arg] -= sign;
            delta -= sign;
        }
        return x.Select((v, i) => (v - y[i]) * (v - y[i])).Sum();
    }

    /// <summary>
    /// Random finite vectors: every coordinate of one magnitude, mixed magnitudes, one huge coordinate among small ones,
    /// and values at the edges of exact double arithmetic (2^40, 2^52, 2^53, 2^63), with magnitudes up to 1e300.
    /// </summary>
    internal static IEnumerable<double[]> Inputs(int n, Random rng, int count)
    {
        double[] edges = [LatticeCatalog.MaxDecodeMagnitude, LatticeCatalog.MaxDecodeMagnitude * (1 + 1e-15), 4503599627370496.0 + 0.5,
            9007199254740993.0, 9223372036854775807.0, 1e15 + 0.25, 1e300];
        double Magnitude() => Math.Pow(10, -3 + rng.NextDouble() * 303);
        double Sign() => rng.Next(2) == 0 ? -1 : 1;
        for (int k = 0; k < count; k++)
        {
            var x = new double[n];
            switch (k % 4)
            {
                case 0:
                {
                    double m = Magnitude();
                    for (int i = 0; i < n; i++) x[i] = Sign() * m * (0.5 + rng.NextDouble());
                    break;
                }
                case 1:
                    for (int i = 0; i < n; i++) x[i] = Sign() * Magnitude();
                    break;
                case 2:
                    for (int i = 0; i < n; i++) x[i] = LatticeTestSupport.Gaussian(rng) * 3;
                    x[rng.Next(n)] = Sign() * Magnitude();
                    break;
                default:
                    for (int i = 0; i < n; i++) x[i] = rng.Next(3) == 0 ? Sign() * edges[rng.Next(edges.Length)] + rng.Next(-2, 3) * 0.5 : rng.NextDouble() * 4 - 2;
                    break;
            }
            // Every fourth vector is scaled into the supported range, so exact decoding is checked at large magnitudes too.
            if (k % 8 >= 4)
            {
                double max = x.Max(Math.Abs);
                if (max > LatticeCatalog.MaxDecodeMagnitude)
                    for (int i = 0; i < n; i++) x[i] *= LatticeCatalog.MaxDecodeMagnitude / max * rng.NextDouble();
            }
            yield return x;
        }
    }

    /// <summary>Decodes one vector and checks the outcome against the contract.</summary>
    internal sealed class Checker
    {
        private const double Eps = 2.3e-16;
        private readonly Lattice _lattice;
        private readonly Checker[]? _parts;
        private readonly SphereDecoder? _reference;
        private readonly Matrix<double>? _inverse;
        private readonly double _inverseNorm;
        private readonly double _c; // c > 0: the lattice has integer or half-integer coordinates and contains cZⁿ
        private readonly bool _integerBasis; // a G: lattice with an integer generator

        public Checker(Lattice lattice)
        {
            _lattice = lattice;
            if (lattice is ProductLattice p)
            {
                _parts = p.Parts.Select(q => new Checker(q)).ToArray();
                return;
            }
            _reference = new SphereDecoder(lattice);
            _inverse = lattice.GeneratorMatrix().Inverse();
            _inverseNorm = _inverse.InfinityNorm();
            _c = lattice switch
            {
                IntegerLattice or DnDualLattice => 1,
                DnLattice or E8Lattice => 2,
                BarnesWall16 => 4,
                LeechLattice => 8,
                _ => 0,
            };
            _integerBasis = lattice is GeneratorLattice && lattice.Generator.ToArray().All(v => v == Math.Round(v));
        }

        private static double MaxAbs(ReadOnlySpan<double> x)
        {
            double m = 0;
            foreach (var v in x) m = Math.Max(m, Math.Abs(v));
            return m;
        }

        // The real lattice coordinates x·G⁻¹.
        private double[] Coordinates(ReadOnlySpan<double> x)
        {
            int n = x.Length;
            var k = new double[n];
            for (int j = 0; j < n; j++)
                for (int i = 0; i < n; i++) k[j] += x[i] * _inverse![i, j];
            return k;
        }

        public void Check(double[] x)
        {
            var y = new double[x.Length];
            try
            {
                _lattice.ClosestPoint(x, y);
            }
            catch (LtcException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                Assert.True(MayRefuse(x), $"{_lattice.Name} refused x (max |x| = {MaxAbs(x):G4}) within the supported range: {e.Message}");
                return;
            }
            Verify(x, y);
        }

        // A refusal is allowed only beyond the documented magnitude (in some part of a direct sum), or for G: lattices
        // whose lattice coordinates reach 2^50.
        private bool MayRefuse(ReadOnlySpan<double> x)
        {
            if (_parts is not null)
            {
                int o = 0;
                foreach (var p in _parts)
                {
                    int n = p._lattice.Dimension;
                    if (p.MayRefuse(x.Slice(o, n))) return true;
                    o += n;
                }
                return false;
            }
            if (MaxAbs(x) > LatticeCatalog.MaxDecodeMagnitude) return true;
            return _lattice is GeneratorLattice && MaxAbs(Coordinates(x)) > SphereDecoder.MaxCoordinate / 4;
        }

        private void Verify(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
        {
            if (_parts is not null)
            {
                int o = 0;
                foreach (var p in _parts)
                {
                    int n = p._lattice.Dimension;
                    p.Verify(x.Slice(o, n), y.Slice(o, n));
                    o += n;
                }
                return;
            }
            int dim = x.Length;
            double m = MaxAbs(x);
            if (_c > 0 || _integerBasis)
            {
                // Exact at any magnitude: v is a lattice point near x (c·round(x/c), or round(xG⁻¹)·G for an integer
                // G), so r = x − v and s = y − v are computed exactly and the reference decodes the small r.
                var v = new double[dim];
                if (_c > 0) for (int i = 0; i < dim; i++) v[i] = _c * Math.Round(x[i] / _c);
                else
                {
                    var k = Coordinates(x).Select(c => Math.Round(c)).ToArray();
                    for (int j = 0; j < dim; j++)
                        for (int i = 0; i < dim; i++) v[i] += k[j] * _lattice.GeneratorAt(j, i);
                }
                var r = new double[dim];
                var s = new double[dim];
                for (int i = 0; i < dim; i++)
                {
                    r[i] = x[i] - v[i];
                    s[i] = y[i] - v[i];
                }
                double best = _reference!.ClosestPoint(r, new double[dim]);
                double got = LatticeTestSupport.SquaredDistance(r, s);
                Assert.True(LatticeTestSupport.IntegralityError(_lattice, s, _inverse!) < 1e-9,
                    $"{_lattice.Name}: for max |x| = {m:G4} the decoder returned a point that is not a lattice point");
                Assert.True(got <= best * (1 + 1e-12) + 1e-9, $"{_lattice.Name}: for max |x| = {m:G4} the returned point is at squared distance {got}, a closest one at {best}");
                return;
            }
            Assert.True(m <= LatticeCatalog.MaxDecodeMagnitude,
                $"{_lattice.Name}: returned a point for max |x| = {m:G4}, beyond the {LatticeCatalog.MaxDecodeMagnitudeText} it can decode exactly, instead of refusing");
            double dRef = _reference!.ClosestPoint(x, new double[dim]);
            double dGot = LatticeTestSupport.SquaredDistance(x, y);
            double tol = 1e-9 + 64.0 * dim * m * Eps * (1 + Math.Sqrt(dRef));
            Assert.True(dGot <= dRef + tol, $"{_lattice.Name}: at max |x| = {m:G4} squared distance {dGot}, reference {dRef}");
            Assert.True(LatticeTestSupport.IntegralityError(_lattice, y, _inverse!) < 1e-9 + 1e3 * dim * m * Eps * _inverseNorm,
                $"{_lattice.Name}: at max |x| = {m:G4} the returned point is not a lattice point");
        }
    }
}
