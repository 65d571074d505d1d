namespace Ltc.Trellis;

/// <summary>
/// The trellis of a rate-1/2 Ungerboeck code as trellis-coded quantization (TCQ) uses it (Marcellin and Fischer,
/// "Trellis coded quantization of memoryless and Gauss–Markov sources", IEEE Trans. Commun. 38(1), 1990): 2^ν states,
/// two branches leaving and two entering every state, each branch labelled with one of four subsets D0..D3 of the
/// reproduction alphabet.
/// </summary>
/// <remarks>
/// <para><b>Codes.</b> The parity-check polynomials (h0, h1), octal with the coefficient of D⁰ in the lowest bit, are
/// Ungerboeck's codes for one-dimensional (amplitude) signal sets, "Channel coding with multilevel/phase signals",
/// IEEE Trans. Inf. Theory 28(1), 1982, Table I (repeated in Ungerboeck, "Trellis-coded modulation with redundant
/// signal sets, Part II", IEEE Commun. Mag. 25(2), 1987, Table I), the codes Marcellin and Fischer use:
/// 4 states (5, 2), 8 (13, 04), 16 (23, 04), 32 (45, 10), 64 (103, 024), 128 (235, 126), 256 (515, 362).</para>
/// <para><b>Encoder.</b> The code is the set of label sequences (z1, z0) with h0(D)·z0(D) ⊕ h1(D)·z1(D) = 0. We
/// realise it by the systematic feedback encoder in controller form: a register w with z1 = h0(D)·w and
/// z0 = h1(D)·w, so the state is the last ν register bits and the trellis is a shift register (butterflies, which the
/// Viterbi search vectorises). State s holds w(n−i) in bit ν − i (the newest bit on top): from s the input w goes to
/// s' = (s ≫ 1) | (w ≪ (ν − 1)), and the predecessors of s' are 2q and 2q + 1 with q = s' mod 2^(ν−1).</para>
/// <para><b>Subsets.</b> With z0(s) = Σᵢ h1ᵢ·w(n−i) (h1 has no D⁰ term, so z0 depends on the state only) and
/// z1 = w ⊕ Σᵢ₌₁ h0ᵢ·w(n−i), the branch carries subset D_j with j = 2·z1 + z0, Ungerboeck's natural labelling of the
/// one-dimensional set partition. Both branches leaving a state therefore share z0: state s allows exactly the union
/// codebook A_{z0(s)}, A0 = D0 ∪ D2 or A1 = D1 ∪ D3. With the reproduction alphabet Δ·ℤ and D_j = {Δ·(4k + j)},
/// A0 = 2Δ·ℤ and A1 = 2Δ·ℤ + Δ; the codeword of union index k is Δ·(2k + u), in subset D_{2(k mod 2) + u}, so the
/// branch bit z1 is the parity of the index k.</para>
/// </remarks>
public sealed class TrellisCode
{
    /// <summary>The state counts with a code: 4, 8, …, 256.</summary>
    public static IReadOnlyList<int> SupportedStates { get; } = [4, 8, 16, 32, 64, 128, 256];

    // (states, h0, h1) in octal as Ungerboeck 1982 Table I prints them.
    private static readonly (int States, string H0, string H1)[] Codes =
    [
        (4, "5", "2"),
        (8, "13", "04"),
        (16, "23", "04"),
        (32, "45", "10"),
        (64, "103", "024"),
        (128, "235", "126"),
        (256, "515", "362"),
    ];

    private readonly byte[] _union;   // z0 of each state
    private readonly byte[] _feedback; // Σ h0ᵢ w(n−i), i ≥ 1, of each state

    private readonly string _name;

    private TrellisCode(int states, string h0Octal, string h1Octal)
    {
        int h0 = Convert.ToInt32(h0Octal, 8), h1 = Convert.ToInt32(h1Octal, 8);
        _name = $"{states}-state (h0, h1) = ({h0Octal}, {h1Octal}) octal";
        States = states;
        Memory = System.Numerics.BitOperations.Log2((uint)states);
        H0 = h0;
        H1 = h1;
        _union = new byte[states];
        _feedback = new byte[states];
        int nu = Memory;
        for (int s = 0; s < states; s++)
        {
            int z0 = 0, f = 0;
            for (int i = 1; i <= nu; i++)
            {
                int wi = (s >> (nu - i)) & 1; // w(n−i)
                z0 ^= ((h1 >> i) & 1) & wi;
                f ^= ((h0 >> i) & 1) & wi;
            }
            _union[s] = (byte)z0;
            _feedback[s] = (byte)f;
        }
    }

    /// <summary>The trellis with <paramref name="states"/> states (4, 8, 16, 32, 64, 128 or 256).</summary>
    /// <exception cref="LtcException">No code with that many states.</exception>
    public static TrellisCode Create(int states)
    {
        foreach (var (s, h0, h1) in Codes)
            if (s == states) return new TrellisCode(s, h0, h1);
        throw new LtcException($"no trellis with {states} states (expected one of {string.Join(", ", SupportedStates)})");
    }

    /// <summary>Number of states 2^ν.</summary>
    public int States { get; }

    /// <summary>The memory ν = log2(States).</summary>
    public int Memory { get; }

    /// <summary>Parity-check polynomial h0 (coefficient of D⁰ in bit 0).</summary>
    public int H0 { get; }

    /// <summary>Parity-check polynomial h1 (coefficient of D⁰ in bit 0).</summary>
    public int H1 { get; }

    /// <summary>The union codebook (0: A0 = D0 ∪ D2, 1: A1 = D1 ∪ D3) that state <paramref name="state"/> allows.</summary>
    public int Union(int state) => _union[state];

    /// <summary>
    /// The subset index j (D_j) of the branch leaving <paramref name="state"/> with branch bit
    /// <paramref name="branch"/> = z1 (the parity of the union index): 2·z1 + z0(state).
    /// </summary>
    public int Subset(int state, int branch) => 2 * branch + _union[state];

    /// <summary>The state reached from <paramref name="state"/> along the branch with branch bit z1 = <paramref name="branch"/>.</summary>
    public int Next(int state, int branch)
    {
        int w = branch ^ _feedback[state];
        return (state >> 1) | (w << (Memory - 1));
    }

    /// <summary>The register input w of the branch from <paramref name="state"/> with branch bit z1.</summary>
    internal int Input(int state, int branch) => branch ^ _feedback[state];

    /// <summary>The branch bit z1 of the branch from <paramref name="state"/> with register input w.</summary>
    internal int BranchBit(int state, int input) => input ^ _feedback[state];

    /// <summary>Names the code, e.g. <c>8-state (h0, h1) = (13, 04) octal</c>.</summary>
    public override string ToString() => _name;
}
