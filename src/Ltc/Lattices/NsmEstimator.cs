namespace Ltc.Lattices;

/// <summary>An estimate of a lattice's normalized second moment G = E‖u‖² / (n·V^{2/n}), u uniform on its Voronoi cell.</summary>
/// <param name="Lattice">The lattice's name.</param>
/// <param name="Dimension">Its dimension n.</param>
/// <param name="Samples">Number of cell samples used.</param>
/// <param name="Sampling">How the cell was sampled.</param>
/// <param name="Seed">The seed the estimate is a deterministic function of.</param>
/// <param name="Nsm">The estimate of G.</param>
/// <param name="StandardError">
/// Its standard error: from the per-sample variance for Monte Carlo (over antithetic pairs for
/// <see cref="CellSampling.Antithetic"/>), from the spread of independent scrambles for
/// <see cref="CellSampling.ScrambledSobol"/>, and the Monte Carlo formula for unscrambled Sobol (an upper bound in
/// practice, not a valid error estimate: see <see cref="StandardErrorFromReplicates"/>).
/// </param>
/// <param name="Replicates">Number of independent scrambles (1 for the other modes).</param>
/// <param name="StandardErrorFromReplicates">True when the standard error comes from independent replicates.</param>
/// <param name="PublishedNsm">The lattice's published G, if known.</param>
/// <param name="Volume">The volume V of the Voronoi cell at the scale sampled.</param>
public sealed record NsmEstimate(
    string Lattice, int Dimension, long Samples, CellSampling Sampling, int Seed, double Nsm, double StandardError,
    int Replicates, bool StandardErrorFromReplicates, double? PublishedNsm, double Volume)
{
    /// <summary>(estimate − published) / standard error, or null without a published value.</summary>
    public double? DifferenceInStandardErrors =>
        PublishedNsm is double p && StandardError > 0 ? (Nsm - p) / StandardError : null;

    /// <summary>(estimate − <paramref name="reference"/>) / standard error: how far the estimate is from a reference value of G.</summary>
    public double StandardErrorsFrom(double reference) => (Nsm - reference) / StandardError;

    /// <summary>Granular gain over Zⁿ in dB, 10·log10((1/12)/G).</summary>
    public double GranularGainDb => Lattices.Lattice.GranularGainDb(Nsm);
}

/// <summary>
/// Monte Carlo and quasi-Monte Carlo estimation of the normalized second moment of a lattice, parallel over cores
/// and deterministic: the work is cut into fixed chunks of <see cref="ChunkSize"/> samples, each with its own
/// stream derived from the seed, and the chunk results are combined in chunk order, so the result does not depend
/// on the number of threads.
/// </summary>
public static class NsmEstimator
{
    /// <summary>Samples per work chunk (a power of two, so Sobol chunks are whole nets).</summary>
    public const int ChunkSize = 1 << 14;

    /// <summary>Independent scrambles used by <see cref="CellSampling.ScrambledSobol"/> unless told otherwise.</summary>
    public const int DefaultReplicates = 16;

    /// <summary>Estimates G(Λ) from <paramref name="samples"/> uniform samples of the Voronoi cell.</summary>
    /// <param name="lattice">The lattice (G is scale-invariant, any scale works).</param>
    /// <param name="samples">Number of cell samples (for scrambled Sobol, split evenly over the replicates).</param>
    /// <param name="seed">Seed; the estimate is a deterministic function of it.</param>
    /// <param name="sampling">How the cell is sampled.</param>
    /// <param name="threads">Worker threads, 0 for all processors.</param>
    /// <param name="replicates">Independent scrambles for <see cref="CellSampling.ScrambledSobol"/>.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    public static NsmEstimate Estimate(Lattice lattice, long samples, int seed = 1, CellSampling sampling = CellSampling.MonteCarlo,
        int threads = 0, int replicates = DefaultReplicates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lattice);
        if (sampling != CellSampling.ScrambledSobol) replicates = 1;
        if (replicates < 1) throw new ArgumentOutOfRangeException(nameof(replicates), "need at least one replicate");
        if (samples < 2L * replicates) throw new LtcException($"need at least {2 * replicates} samples for an NSM estimate with {replicates} replicate(s), got {samples}");
        long perReplicate = samples / replicates;
        int chunksPerReplicate = checked((int)((perReplicate + ChunkSize - 1) / ChunkSize));
        int n = lattice.Dimension;
        double volume = lattice.Volume;
        double norm = n * Math.Pow(volume, 2.0 / n);
        var stats = new Moments[replicates * chunksPerReplicate];
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = threads <= 0 ? Environment.ProcessorCount : threads,
            CancellationToken = cancellationToken,
        };
        Parallel.For(0, stats.Length, options, item =>
        {
            int rep = item / chunksPerReplicate, chunk = item % chunksPerReplicate;
            long start = (long)chunk * ChunkSize;
            int count = (int)Math.Min(ChunkSize, perReplicate - start);
            stats[item] = RunChunk(lattice, sampling, seed, rep, chunk, start, count, norm);
        });

        var repMeans = new double[replicates];
        var total = new Moments();
        for (int rep = 0; rep < replicates; rep++)
        {
            var m = new Moments();
            for (int c = 0; c < chunksPerReplicate; c++) m = Moments.Combine(m, stats[rep * chunksPerReplicate + c]);
            repMeans[rep] = m.Mean;
            total = Moments.Combine(total, m);
        }
        double estimate, se;
        if (replicates > 1)
        {
            estimate = repMeans.Average();
            double ss = repMeans.Sum(v => (v - estimate) * (v - estimate));
            se = Math.Sqrt(ss / (replicates - 1) / replicates);
        }
        else
        {
            estimate = total.Mean;
            se = total.Count > 1 ? Math.Sqrt(total.M2 / (total.Count - 1) / total.Count) : double.NaN;
        }
        return new NsmEstimate(lattice.Name, n, perReplicate * replicates, sampling, seed, estimate, se, replicates,
            replicates > 1, lattice.PublishedNsm, volume);
    }

    /// <summary>
    /// Moments of ‖u‖²/norm over one chunk. Antithetic pairs (u, −u) have equal norms, so they count as one
    /// observation each: counting both would halve the variance estimate for nothing.
    /// </summary>
    private static Moments RunChunk(Lattice lattice, CellSampling sampling, int seed, int rep, int chunk, long start, int count, double norm)
    {
        int n = lattice.Dimension;
        VoronoiSampler sampler = sampling switch
        {
            CellSampling.MonteCarlo or CellSampling.Antithetic => new VoronoiSampler(lattice, sampling, Seeds.Stream(seed, chunk)),
            CellSampling.Sobol => new VoronoiSampler(lattice, sampling, seed),
            _ => new VoronoiSampler(lattice, sampling, Seeds.Stream(seed, rep)),
        };
        if (sampler.SobolIndex != null) sampler.SeekSobol(start);
        const int block = 256;
        var u = new double[block * n];
        var m = new Moments();
        int step = sampling == CellSampling.Antithetic ? 2 : 1;
        for (int done = 0; done < count; done += block)
        {
            int b = Math.Min(block, count - done);
            var span = u.AsSpan(0, b * n);
            sampler.Sample(span);
            for (int i = 0; i < b; i += step)
            {
                var row = span.Slice(i * n, n);
                double s = 0;
                for (int j = 0; j < n; j++) s += row[j] * row[j];
                m.Add(s / norm);
            }
        }
        return m;
    }

    /// <summary>Count, mean and sum of squared deviations (Welford), combinable (Chan et al.).</summary>
    private struct Moments
    {
        public long Count;
        public double Mean;
        public double M2;

        public void Add(double x)
        {
            Count++;
            double d = x - Mean;
            Mean += d / Count;
            M2 += d * (x - Mean);
        }

        public static Moments Combine(Moments a, Moments b)
        {
            if (a.Count == 0) return b;
            if (b.Count == 0) return a;
            long c = a.Count + b.Count;
            double d = b.Mean - a.Mean;
            return new Moments
            {
                Count = c,
                Mean = a.Mean + d * b.Count / c,
                M2 = a.M2 + b.M2 + d * d * ((double)a.Count * b.Count / c),
            };
        }
    }
}
