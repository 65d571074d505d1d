using System.Numerics;
using System.Numerics.Tensors;

namespace Ltc.Torch.Kernels;

/// <summary>
/// A fused CPU kernel for the log-density of Ballé et al.'s deep factorized prior (Ballé, Minnen, Singh, Hwang,
/// Johnston 2018, appendix 6.1), forward and backward, for <see cref="FactorizedDensity"/>.
/// </summary>
/// <remarks>
/// <para>
/// Coordinate i has its own monotone network with layer widths 1 → f₁ → … → f_K → 1. Layer k maps its input x_k to
/// z_k = H_k x_k + b_k with H_k = softplus(W_k) (positive, so the map is increasing); hidden layers then gate,
/// x_{k+1} = z_k + a_k ⊙ tanh(z_k) with a_k = tanh(A_k) ∈ (−1, 1), which keeps them increasing. The last layer's output
/// is the logit l of the CDF σ(l). The derivative dl/dt is carried in forward mode: d_0 = 1, e_k = H_k d_k,
/// d_{k+1} = e_k ⊙ g_k with g_k = 1 + a_k ⊙ (1 − tanh²(z_k)), and d = e_K. The density is σ'(l)·d, so
/// log p = logσ(l) + logσ(−l) + log max(d, 10⁻³⁰) = −|l| − 2 log(1 + e^{−|l|}) + log max(d, 10⁻³⁰).
/// </para>
/// <para>
/// The backward pass is reverse mode through both the logit and the forward-mode derivative. With w = ∂L/∂log p:
/// l̄ = −w·tanh(l/2) (= w·(σ(−l) − σ(l))), d̄ = w/d where d ≥ 10⁻³⁰ and 0 where the floor is active (the reference's
/// clamp_min passes no gradient there). Through a gated layer with u = tanh(z), s = 1 − u², g = 1 + a s:
/// ē = d̄' g, ḡ = d̄' e, z̄ = x̄' g − 2 a u s ḡ, ā += x̄' u + ḡ s; through the affine part
/// H̄_ij += z̄_i x_j + ē_i d_j, b̄_i += z̄_i, x̄_j = Σ_i H_ij z̄_i, d̄_j = Σ_i H_ij ē_i. The raw parameters get
/// W̄ = H̄ ⊙ softplus'(W) (torch's softplus is the identity above 20) and Ā = ā ⊙ (1 − a²); t̄ = x̄_0.
/// </para>
/// <para>
/// The work is split into chunks of <see cref="ChunkPoints"/> points × all coordinates, fixed independently of the
/// thread count. A chunk transposes its tile of t into one contiguous row per coordinate and streams it through the
/// network with <see cref="Vector{T}"/> arithmetic (the channel's parameters broadcast) and
/// <see cref="TensorPrimitives"/> for tanh, exp and log. Each chunk keeps its own partial parameter gradients, summed in
/// chunk order, so results are bit-identical for any number of threads. Vector arithmetic is never fused into FMA, so
/// the scalar fallback differs from the vector path only through the transcendental functions.
/// </para>
/// </remarks>
internal sealed class FactorizedKernel
{
    /// <summary>Points per chunk: a chunk's rows (about 50 of them) stay within the L2 cache.</summary>
    public const int ChunkPoints = 512;

    /// <summary>The floor on the derivative d before its logarithm, as in the torch reference.</summary>
    public const float DerivativeFloor = 1e-30f;

    private readonly int _n;
    private readonly int[] _dims;
    private readonly int _layers;
    private readonly int[] _hOff, _bOff, _aOff;
    private readonly int _perChannel;
    // Per channel, packed at c·_perChannel: softplus(W) row-major [out, in], b, tanh(A).
    private readonly float[] _packed;
    private readonly float[][] _rawMatrices, _rawFactors;

    /// <summary>
    /// Prepares the kernel from the raw parameters of the density: <paramref name="matrices"/>[k] of shape
    /// [n, dims[k+1], dims[k]] (before softplus), <paramref name="biases"/>[k] of shape [n, dims[k+1], 1],
    /// <paramref name="factors"/>[k] of shape [n, dims[k+1], 1] for the hidden layers (before tanh), all row-major.
    /// </summary>
    /// <param name="channels">The number of coordinates n.</param>
    /// <param name="dims">Layer widths 1, f₁, …, f_K, 1.</param>
    /// <param name="matrices">Raw weight matrices, one per layer.</param>
    /// <param name="biases">Biases, one per layer.</param>
    /// <param name="factors">Raw gating factors, one per hidden layer.</param>
    /// <exception cref="ArgumentException">The parameter arrays do not match <paramref name="dims"/>.</exception>
    public FactorizedKernel(int channels, int[] dims, float[][] matrices, float[][] biases, float[][] factors)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (dims.Length < 2 || dims[0] != 1 || dims[^1] != 1) throw new ArgumentException("the layer widths must start and end with 1", nameof(dims));
        if (dims.Any(w => w < 1 || w > MaxWidth)) throw new ArgumentException($"layer widths must be 1..{MaxWidth}", nameof(dims));
        _n = channels;
        _dims = dims;
        _layers = dims.Length - 1;
        if (matrices.Length != _layers || biases.Length != _layers || factors.Length != _layers - 1)
            throw new ArgumentException("one matrix and bias per layer and one factor per hidden layer are needed");
        _hOff = new int[_layers];
        _bOff = new int[_layers];
        _aOff = new int[_layers - 1];
        int off = 0;
        for (int k = 0; k < _layers; k++) { _hOff[k] = off; off += dims[k + 1] * dims[k]; }
        for (int k = 0; k < _layers; k++) { _bOff[k] = off; off += dims[k + 1]; }
        for (int k = 0; k < _layers - 1; k++) { _aOff[k] = off; off += dims[k + 1]; }
        _perChannel = off;
        _packed = new float[channels * off];
        _rawMatrices = matrices;
        _rawFactors = factors;
        for (int k = 0; k < _layers; k++)
        {
            int size = dims[k + 1] * dims[k];
            if (matrices[k].Length != channels * size || biases[k].Length != channels * dims[k + 1])
                throw new ArgumentException($"layer {k}: parameter sizes do not match the widths");
            if (k < _layers - 1 && factors[k].Length != channels * dims[k + 1])
                throw new ArgumentException($"layer {k}: factor size does not match the width");
            for (int c = 0; c < channels; c++)
            {
                int p = c * off;
                for (int q = 0; q < size; q++) _packed[p + _hOff[k] + q] = Softplus(matrices[k][c * size + q]);
                for (int q = 0; q < dims[k + 1]; q++)
                {
                    _packed[p + _bOff[k] + q] = biases[k][c * dims[k + 1] + q];
                    if (k < _layers - 1) _packed[p + _aOff[k] + q] = MathF.Tanh(factors[k][c * dims[k + 1] + q]);
                }
            }
        }
    }

    /// <summary>The number of coordinates n.</summary>
    public int Channels => _n;

    /// <summary>Whether the vector path is used (else the scalar fallback); for tests.</summary>
    public bool UseVectors { get; init; } = Vector.IsHardwareAccelerated;

    /// <summary>Worker threads for the chunks (results do not depend on it).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    // torch.nn.functional.softplus with beta 1, threshold 20.
    private static float Softplus(float w) => w > 20 ? w : (float)Math.Log(1 + Math.Exp(w));

    private static double SoftplusDerivative(float w) => w > 20 ? 1 : 1 / (1 + Math.Exp(-(double)w));

    /// <summary>
    /// log p_i(t_i) for t of shape [M, n] (row-major): per coordinate into <paramref name="output"/> of length M·n,
    /// or, when <paramref name="sumRows"/>, the row sums Σ_i log p_i(t_i) into <paramref name="output"/> of length M.
    /// </summary>
    /// <exception cref="ArgumentException">The spans' lengths do not match.</exception>
    public void Forward(ReadOnlySpan<float> t, Span<float> output, bool sumRows)
    {
        if (t.Length % _n != 0) throw new ArgumentException("t is not a whole number of rows", nameof(t));
        int m = t.Length / _n;
        if (output.Length != (sumRows ? m : m * _n)) throw new ArgumentException("output has the wrong length", nameof(output));
        unsafe
        {
            fixed (float* tp = t, op = output)
            {
                var tPtr = (IntPtr)tp; var oPtr = (IntPtr)op;
                Run(m, (ws, chunk) => ForwardChunk(ws, chunk, m, tPtr, oPtr, sumRows));
            }
        }
    }

    /// <summary>
    /// The gradients of L = Σ w·log p. <paramref name="gradOutput"/> is ∂L/∂log p: shape [M, n], or [M] when
    /// <paramref name="sumRows"/> (then every coordinate of a row gets its row's weight). Writes ∂L/∂t ([M, n]) into
    /// <paramref name="gradT"/> and returns ∂L/∂ of the raw matrices, biases and factors, shaped as given to the
    /// constructor.
    /// </summary>
    /// <exception cref="ArgumentException">The spans' lengths do not match.</exception>
    public (float[][] Matrices, float[][] Biases, float[][] Factors) Backward(ReadOnlySpan<float> t, ReadOnlySpan<float> gradOutput, bool sumRows, Span<float> gradT)
    {
        if (t.Length % _n != 0) throw new ArgumentException("t is not a whole number of rows", nameof(t));
        int m = t.Length / _n;
        if (gradOutput.Length != (sumRows ? m : m * _n)) throw new ArgumentException("gradOutput has the wrong length", nameof(gradOutput));
        if (gradT.Length != t.Length) throw new ArgumentException("gradT has the wrong length", nameof(gradT));
        int chunks = (m + ChunkPoints - 1) / ChunkPoints;
        var partial = new double[chunks * _n * _perChannel];
        unsafe
        {
            fixed (float* tp = t, gp = gradOutput, dtp = gradT)
            {
                var tPtr = (IntPtr)tp; var gPtr = (IntPtr)gp; var dtPtr = (IntPtr)dtp;
                Run(m, (ws, chunk) => BackwardChunk(ws, chunk, m, tPtr, gPtr, dtPtr, sumRows, partial.AsSpan(chunk * _n * _perChannel, _n * _perChannel)));
            }
        }
        // Sum the chunks' partial gradients in chunk order: the same sums whatever the thread count.
        var total = new double[_n * _perChannel];
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            var part = partial.AsSpan(chunk * _n * _perChannel, _n * _perChannel);
            for (int q = 0; q < total.Length; q++) total[q] += part[q];
        }
        var gm = new float[_layers][];
        var gb = new float[_layers][];
        var ga = new float[_layers - 1][];
        for (int k = 0; k < _layers; k++)
        {
            int size = _dims[k + 1] * _dims[k], width = _dims[k + 1];
            gm[k] = new float[_n * size];
            gb[k] = new float[_n * width];
            if (k < _layers - 1) ga[k] = new float[_n * width];
            for (int c = 0; c < _n; c++)
            {
                int p = c * _perChannel;
                for (int q = 0; q < size; q++)
                    gm[k][c * size + q] = (float)(total[p + _hOff[k] + q] * SoftplusDerivative(_rawMatrices[k][c * size + q]));
                for (int q = 0; q < width; q++)
                {
                    gb[k][c * width + q] = (float)total[p + _bOff[k] + q];
                    if (k < _layers - 1)
                    {
                        double a = _packed[p + _aOff[k] + q];
                        ga[k][c * width + q] = (float)(total[p + _aOff[k] + q] * (1 - a * a));
                    }
                }
            }
        }
        return (gm, gb, ga);
    }

    /// <summary>
    /// Samples of the density by its inverse CDF: coordinate c of row r of <paramref name="samples"/> ([M, n]) solves
    /// σ(l_c(x)) = u with u the same entry of <paramref name="uniforms"/> (values in (0, 1)), starting from
    /// <paramref name="start"/>[c] (the learned median). Each solve is a safeguarded Newton iteration on the logit l_c
    /// in double precision: a bracket is grown until it holds the target, then Newton steps that leave it, or do not
    /// halve it, are replaced by bisection (Press et al., Numerical Recipes, rtsafe), to float32 resolution.
    /// </summary>
    /// <exception cref="ArgumentException">The spans' lengths do not match.</exception>
    public void InverseCdf(ReadOnlySpan<float> uniforms, ReadOnlySpan<float> start, Span<float> samples)
    {
        if (uniforms.Length % _n != 0 || samples.Length != uniforms.Length || start.Length != _n)
            throw new ArgumentException("uniforms and samples must be [M, n] and start [n]");
        for (int q = 0; q < uniforms.Length; q++)
        {
            double u = Math.Clamp((double)uniforms[q], 1e-12, 1 - 1e-12);
            samples[q] = (float)SolveLogit(q % _n, Math.Log(u / (1 - u)), start[q % _n]);
        }
    }

    private double SolveLogit(int c, double target, double x0)
    {
        // Grow a bracket [lo, hi] with l(lo) ≤ target ≤ l(hi); l is increasing.
        double lo = x0, hi = x0, width = 1;
        double fLo = Logit(c, lo, out _) - target, fHi = fLo;
        for (int k = 0; k < 200 && fLo > 0; k++) { hi = lo; fHi = fLo; lo -= width; width *= 2; fLo = Logit(c, lo, out _) - target; }
        for (int k = 0; k < 200 && fHi < 0; k++) { lo = hi; fLo = fHi; hi += width; width *= 2; fHi = Logit(c, hi, out _) - target; }
        if (fLo > 0 || fHi < 0) return fLo > 0 ? lo : hi; // a logit saturated beyond float range: the end of the search
        double x = 0.5 * (lo + hi), step = hi - lo, last = step;
        for (int k = 0; k < 100; k++)
        {
            double f = Logit(c, x, out double slope) - target;
            if (f == 0) return x;
            if (f < 0) lo = x; else hi = x;
            double newton = slope > 0 ? x - f / slope : double.NaN;
            last = step;
            if (double.IsFinite(newton) && newton > lo && newton < hi && Math.Abs(newton - x) < 0.5 * Math.Abs(last))
            {
                step = newton - x;
                x = newton;
            }
            else
            {
                step = 0.5 * (hi - lo);
                x = lo + step;
            }
            if (Math.Abs(step) <= 1e-7 * Math.Max(1, Math.Abs(x))) return x;
        }
        return x;
    }

    // The CDF logit l_c(t) and its slope dl/dt, in double precision from the packed parameters.
    private double Logit(int c, double t, out double slope)
    {
        var par = _packed.AsSpan(c * _perChannel, _perChannel);
        Span<double> x = stackalloc double[MaxWidth], d = stackalloc double[MaxWidth];
        Span<double> nx = stackalloc double[MaxWidth], nd = stackalloc double[MaxWidth];
        x[0] = t;
        d[0] = 1;
        for (int k = 0; k < _layers; k++)
        {
            int inW = _dims[k], outW = _dims[k + 1];
            for (int i = 0; i < outW; i++)
            {
                double z = par[_bOff[k] + i], e = 0;
                for (int j = 0; j < inW; j++)
                {
                    double h = par[_hOff[k] + i * inW + j];
                    z += h * x[j];
                    e += h * d[j];
                }
                if (k < _layers - 1)
                {
                    double a = par[_aOff[k] + i], u = Math.Tanh(z);
                    nx[i] = z + a * u;
                    nd[i] = e * (1 + a * (1 - u * u));
                }
                else
                {
                    nx[i] = z;
                    nd[i] = e;
                }
            }
            nx[..outW].CopyTo(x);
            nd[..outW].CopyTo(d);
        }
        slope = d[0];
        return x[0];
    }

    // The widest layer the scalar evaluation supports (the density uses filters of 3).
    private const int MaxWidth = 16;

    private void Run(int m, Action<Workspace, int> chunkBody)
    {
        int chunks = (m + ChunkPoints - 1) / ChunkPoints;
        if (Threads <= 1 || chunks == 1)
        {
            var ws = new Workspace(this);
            for (int chunk = 0; chunk < chunks; chunk++) chunkBody(ws, chunk);
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Threads },
            () => new Workspace(this),
            (chunk, _, ws) => { chunkBody(ws, chunk); return ws; },
            _ => { });
    }

    /// <summary>A worker's row buffers; their contents depend only on the chunk being processed.</summary>
    private sealed class Workspace
    {
        public readonly int Stride;
        public readonly float[] Buffer;
        // Row indices into Buffer (each row holds Stride floats).
        public readonly int[][] X, D, U, E;
        public readonly int[][] XBar, DBar;
        public readonly int ZBar, EBar, Tile, Weight, Temp1, Temp2, RowSum;

        public Workspace(FactorizedKernel kernel)
        {
            int lanes = Vector<float>.Count;
            Stride = (ChunkPoints + lanes - 1) / lanes * lanes;
            var dims = kernel._dims;
            int layers = kernel._layers, widest = dims.Max(), rows = 0;
            X = new int[layers + 1][];
            D = new int[layers + 1][];
            U = new int[layers - 1][];
            E = new int[layers - 1][];
            for (int k = 0; k <= layers; k++)
            {
                X[k] = Enumerable.Range(rows, dims[k]).ToArray(); rows += dims[k];
                D[k] = Enumerable.Range(rows, dims[k]).ToArray(); rows += dims[k];
            }
            for (int k = 0; k < layers - 1; k++)
            {
                U[k] = Enumerable.Range(rows, dims[k + 1]).ToArray(); rows += dims[k + 1];
                E[k] = Enumerable.Range(rows, dims[k + 1]).ToArray(); rows += dims[k + 1];
            }
            XBar = new int[2][];
            DBar = new int[2][];
            for (int s = 0; s < 2; s++)
            {
                XBar[s] = Enumerable.Range(rows, widest).ToArray(); rows += widest;
                DBar[s] = Enumerable.Range(rows, widest).ToArray(); rows += widest;
            }
            ZBar = rows; rows += widest;
            EBar = rows; rows += widest;
            Temp1 = rows++;
            Temp2 = rows++;
            Weight = rows++;
            RowSum = rows++;
            Tile = rows; rows += kernel._n;
            Buffer = new float[rows * Stride];
        }

        public Span<float> Row(int row) => Buffer.AsSpan(row * Stride, Stride);
    }

    private unsafe void ForwardChunk(Workspace ws, int chunk, int m, IntPtr tPtr, IntPtr oPtr, bool sumRows)
    {
        int p0 = chunk * ChunkPoints, len = Math.Min(ChunkPoints, m - p0);
        int width = UseVectors ? RoundUp(len) : len;
        var t = (float*)tPtr; var o = (float*)oPtr;
        LoadTile(ws, t, p0, len, width);
        var sum = ws.Row(ws.RowSum);
        if (sumRows) sum.Clear();
        var logp = ws.Row(ws.Temp1);
        for (int c = 0; c < _n; c++)
        {
            ForwardChannel(ws, c, width, ws.Row(ws.Tile + c));
            LogDensityRow(ws, width, logp);
            if (sumRows)
            {
                for (int p = 0; p < len; p++) sum[p] += logp[p];
            }
            else
            {
                for (int p = 0; p < len; p++) o[(long)(p0 + p) * _n + c] = logp[p];
            }
        }
        if (sumRows) sum[..len].CopyTo(new Span<float>(o + p0, len));
    }

    private static int RoundUp(int len) => (len + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count;

    // Transposes rows p0..p0+len of t into one row per coordinate; the vector path pads with zeros (finite values that
    // get zero weight in the backward pass).
    private unsafe void LoadTile(Workspace ws, float* t, int p0, int len, int width)
    {
        for (int c = 0; c < _n; c++)
        {
            var row = ws.Row(ws.Tile + c);
            for (int p = 0; p < len; p++) row[p] = t[(long)(p0 + p) * _n + c];
            row[len..width].Clear();
        }
    }

    // Runs channel c's network over the first `width` points of `t`, leaving x_k, d_k, u_k, e_k, l and d in the rows.
    private void ForwardChannel(Workspace ws, int c, int width, Span<float> t)
    {
        var par = _packed.AsSpan(c * _perChannel, _perChannel);
        t[..width].CopyTo(ws.Row(ws.X[0][0]));
        ws.Row(ws.D[0][0])[..width].Fill(1);
        for (int k = 0; k < _layers; k++)
        {
            int inW = _dims[k], outW = _dims[k + 1];
            var h = par.Slice(_hOff[k], outW * inW);
            for (int i = 0; i < outW; i++)
            {
                var z = ws.Row(ws.X[k + 1][i])[..width];
                // Hidden layers keep e_k apart from d_{k+1} (the backward pass needs both); the last layer's e is d.
                var e = (k < _layers - 1 ? ws.Row(ws.E[k][i]) : ws.Row(ws.D[k + 1][i]))[..width];
                Affine(ws, k, i, h.Slice(i * inW, inW), par[_bOff[k] + i], width, z, e);
                if (k == _layers - 1) continue;
                var u = ws.Row(ws.U[k][i])[..width];
                TanhRow(z, u);
                Gate(par[_aOff[k] + i], z, e, u, ws.Row(ws.D[k + 1][i])[..width]);
            }
        }
    }

    private void TanhRow(ReadOnlySpan<float> z, Span<float> u)
    {
        if (UseVectors) TensorPrimitives.Tanh(z, u);
        else for (int p = 0; p < z.Length; p++) u[p] = MathF.Tanh(z[p]);
    }

    // z = Σ_j h_j x_j + b, e = Σ_j h_j d_j over the points.
    private void Affine(Workspace ws, int k, int i, ReadOnlySpan<float> h, float b, int width, Span<float> z, Span<float> e)
    {
        int inW = h.Length;
        int p = 0;
        if (UseVectors)
        {
            var buf = ws.Buffer;
            var vb = new Vector<float>(b);
            int lanes = Vector<float>.Count;
            for (; p + lanes <= width; p += lanes)
            {
                var hz = new Vector<float>(h[0]);
                var vz = hz * new Vector<float>(buf, ws.X[k][0] * ws.Stride + p);
                var ve = hz * new Vector<float>(buf, ws.D[k][0] * ws.Stride + p);
                for (int j = 1; j < inW; j++)
                {
                    var hj = new Vector<float>(h[j]);
                    vz += hj * new Vector<float>(buf, ws.X[k][j] * ws.Stride + p);
                    ve += hj * new Vector<float>(buf, ws.D[k][j] * ws.Stride + p);
                }
                (vz + vb).CopyTo(z[p..]);
                ve.CopyTo(e[p..]);
            }
        }
        for (; p < width; p++)
        {
            float sz = h[0] * ws.Buffer[ws.X[k][0] * ws.Stride + p];
            float se = h[0] * ws.Buffer[ws.D[k][0] * ws.Stride + p];
            for (int j = 1; j < inW; j++)
            {
                sz += h[j] * ws.Buffer[ws.X[k][j] * ws.Stride + p];
                se += h[j] * ws.Buffer[ws.D[k][j] * ws.Stride + p];
            }
            z[p] = sz + b;
            e[p] = se;
        }
    }

    // x ← z + a u (in place of z), d = e (1 + a (1 − u²)).
    private void Gate(float a, Span<float> x, ReadOnlySpan<float> e, ReadOnlySpan<float> u, Span<float> d)
    {
        int p = 0;
        if (UseVectors)
        {
            var va = new Vector<float>(a);
            int lanes = Vector<float>.Count;
            for (; p + lanes <= x.Length; p += lanes)
            {
                var vu = new Vector<float>(u[p..]);
                var g = Vector<float>.One + va * (Vector<float>.One - vu * vu);
                (new Vector<float>(x[p..]) + va * vu).CopyTo(x[p..]);
                (new Vector<float>(e[p..]) * g).CopyTo(d[p..]);
            }
        }
        for (; p < x.Length; p++)
        {
            float g = 1 + a * (1 - u[p] * u[p]);
            x[p] = x[p] + a * u[p];
            d[p] = e[p] * g;
        }
    }

    // log p = −|l| − 2 log(1 + e^{−|l|}) + log max(d, floor), from the rows left by ForwardChannel.
    private void LogDensityRow(Workspace ws, int width, Span<float> logp)
    {
        var l = ws.Row(ws.X[_layers][0])[..width];
        var d = ws.Row(ws.D[_layers][0])[..width];
        logp = logp[..width];
        if (!UseVectors)
        {
            for (int p = 0; p < width; p++)
            {
                float al = MathF.Abs(l[p]);
                logp[p] = -al - 2 * MathF.Log(1 + MathF.Exp(-al)) + MathF.Log(MathF.Max(d[p], DerivativeFloor));
            }
            return;
        }
        var tmp = ws.Row(ws.Temp2)[..width];
        TensorPrimitives.Abs(l, logp);
        TensorPrimitives.Negate(logp, tmp);
        TensorPrimitives.Exp(tmp, tmp);
        TensorPrimitives.Add(tmp, 1f, tmp);
        TensorPrimitives.Log(tmp, tmp);
        // logp = −|l| − 2·log(1 + e^{−|l|}) (the multiply-add is not fused: MultiplyAdd computes x·y + z rounded twice).
        TensorPrimitives.Multiply(tmp, -2f, tmp);
        TensorPrimitives.Subtract(tmp, logp, logp);
        TensorPrimitives.Max(d, DerivativeFloor, tmp);
        TensorPrimitives.Log(tmp, tmp);
        TensorPrimitives.Add(logp, tmp, logp);
    }

    private unsafe void BackwardChunk(Workspace ws, int chunk, int m, IntPtr tPtr, IntPtr gPtr, IntPtr dtPtr, bool sumRows, Span<double> grad)
    {
        int p0 = chunk * ChunkPoints, len = Math.Min(ChunkPoints, m - p0);
        int width = UseVectors ? RoundUp(len) : len;
        var t = (float*)tPtr; var g = (float*)gPtr; var dt = (float*)dtPtr;
        LoadTile(ws, t, p0, len, width);
        var w = ws.Row(ws.Weight);
        w[len..width].Clear();
        if (sumRows) new ReadOnlySpan<float>(g + p0, len).CopyTo(w);
        for (int c = 0; c < _n; c++)
        {
            if (!sumRows) for (int p = 0; p < len; p++) w[p] = g[(long)(p0 + p) * _n + c];
            ForwardChannel(ws, c, width, ws.Row(ws.Tile + c));
            var gc = grad.Slice(c * _perChannel, _perChannel);
            var tBar = BackwardChannel(ws, c, width, gc);
            for (int p = 0; p < len; p++) dt[(long)(p0 + p) * _n + c] = tBar[p];
        }
    }

    // Reverse pass of channel c after ForwardChannel; adds the parameter gradients (wrt softplus(W), b, tanh(A)) into
    // `grad` and returns the row holding t̄.
    private Span<float> BackwardChannel(Workspace ws, int c, int width, Span<double> grad)
    {
        var par = _packed.AsSpan(c * _perChannel, _perChannel);
        int last = _layers - 1, slot = 0;
        // Seed: l̄ and d̄ of the last layer's output go into the adjoint rows of X[layers], D[layers].
        var lBar = ws.Row(ws.ZBar)[..width];
        var dBar = ws.Row(ws.EBar)[..width];
        SeedAdjoints(ws, width, lBar, dBar);
        // The last layer (no gate): z̄ = l̄, ē = d̄.
        AffineBackward(ws, last, 1, par, width, grad, slot);
        for (int k = last - 1; k >= 0; k--)
        {
            int outW = _dims[k + 1];
            var xBar = ws.XBar[slot];
            var dBarRows = ws.DBar[slot];
            for (int i = 0; i < outW; i++)
                GateBackward(ws, par[_aOff[k] + i], ws.Row(xBar[i])[..width], ws.Row(dBarRows[i])[..width], ws.Row(ws.U[k][i])[..width],
                    ws.Row(ws.E[k][i])[..width], ws.Row(ws.ZBar + i)[..width], ws.Row(ws.EBar + i)[..width], grad, _aOff[k] + i);
            slot ^= 1;
            AffineBackward(ws, k, outW, par, width, grad, slot);
        }
        return ws.Row(ws.XBar[slot][0]);
    }

    private void SeedAdjoints(Workspace ws, int width, Span<float> lBar, Span<float> dBar)
    {
        var l = ws.Row(ws.X[_layers][0])[..width];
        var d = ws.Row(ws.D[_layers][0])[..width];
        var w = ws.Row(ws.Weight)[..width];
        if (!UseVectors)
        {
            for (int p = 0; p < width; p++)
            {
                lBar[p] = -w[p] * MathF.Tanh(0.5f * l[p]);
                dBar[p] = d[p] >= DerivativeFloor ? w[p] / d[p] : 0;
            }
            return;
        }
        TensorPrimitives.Multiply(l, 0.5f, lBar);
        TensorPrimitives.Tanh(lBar, lBar);
        var floor = new Vector<float>(DerivativeFloor);
        int lanes = Vector<float>.Count;
        for (int p = 0; p < width; p += lanes)
        {
            var vw = new Vector<float>(w[p..]);
            var vd = new Vector<float>(d[p..]);
            (-vw * new Vector<float>(lBar[p..])).CopyTo(lBar[p..]);
            Vector.ConditionalSelect(Vector.GreaterThanOrEqual(vd, floor), vw / vd, Vector<float>.Zero).CopyTo(dBar[p..]);
        }
    }

    // Gated layer reverse: from x̄', d̄' of its output (rows xb, db) to z̄ (row zb) and ē (row eb); accumulates ā.
    private void GateBackward(Workspace ws, float a, ReadOnlySpan<float> xb, ReadOnlySpan<float> db, ReadOnlySpan<float> u,
        ReadOnlySpan<float> e, Span<float> zb, Span<float> eb, Span<double> grad, int aIndex)
    {
        int p = 0;
        float a2 = 2 * a, aBar = 0;
        if (UseVectors)
        {
            var va = new Vector<float>(a);
            var va2 = new Vector<float>(a2);
            var acc = Vector<float>.Zero;
            int lanes = Vector<float>.Count;
            for (; p + lanes <= xb.Length; p += lanes)
            {
                var vu = new Vector<float>(u[p..]);
                var s = Vector<float>.One - vu * vu;
                var g = Vector<float>.One + va * s;
                var vdb = new Vector<float>(db[p..]);
                var vxb = new Vector<float>(xb[p..]);
                var gBar = vdb * new Vector<float>(e[p..]);
                (vdb * g).CopyTo(eb[p..]);
                (vxb * g - va2 * vu * s * gBar).CopyTo(zb[p..]);
                acc += vxb * vu + gBar * s;
            }
            aBar = Vector.Sum(acc);
        }
        for (; p < xb.Length; p++)
        {
            float s = 1 - u[p] * u[p];
            float g = 1 + a * s;
            float gBar = db[p] * e[p];
            eb[p] = db[p] * g;
            zb[p] = xb[p] * g - a2 * u[p] * s * gBar;
            aBar += xb[p] * u[p] + gBar * s;
        }
        grad[aIndex] += aBar;
    }

    // Affine reverse of layer k (z = H x + b, e = H d) with z̄, ē in rows ZBar+i, EBar+i: accumulates H̄ and b̄, and
    // writes x̄, d̄ of its input into the adjoint rows of `slot` (d̄ not for the first layer, where d = 1 is constant).
    private void AffineBackward(Workspace ws, int k, int outW, ReadOnlySpan<float> par, int width, Span<double> grad, int slot)
    {
        int inW = _dims[k];
        var h = par.Slice(_hOff[k], outW * inW);
        var buf = ws.Buffer;
        int stride = ws.Stride;
        Span<float> hBar = stackalloc float[inW];
        Span<Vector<float>> accH = stackalloc Vector<float>[inW];
        for (int i = 0; i < outW; i++)
        {
            int zRow = (ws.ZBar + i) * stride, eRow = (ws.EBar + i) * stride;
            float bBar = 0;
            hBar.Clear();
            int p = 0;
            if (UseVectors)
            {
                int lanes = Vector<float>.Count;
                var accB = Vector<float>.Zero;
                accH.Clear();
                for (; p + lanes <= width; p += lanes)
                {
                    var zb = new Vector<float>(buf, zRow + p);
                    var eb = new Vector<float>(buf, eRow + p);
                    accB += zb;
                    for (int j = 0; j < inW; j++)
                        accH[j] += zb * new Vector<float>(buf, ws.X[k][j] * stride + p) + eb * new Vector<float>(buf, ws.D[k][j] * stride + p);
                }
                bBar = Vector.Sum(accB);
                for (int j = 0; j < inW; j++) hBar[j] = Vector.Sum(accH[j]);
            }
            for (; p < width; p++)
            {
                float zb = buf[zRow + p], eb = buf[eRow + p];
                bBar += zb;
                for (int j = 0; j < inW; j++) hBar[j] += zb * buf[ws.X[k][j] * stride + p] + eb * buf[ws.D[k][j] * stride + p];
            }
            grad[_bOff[k] + i] += bBar;
            for (int j = 0; j < inW; j++) grad[_hOff[k] + i * inW + j] += hBar[j];
        }
        for (int j = 0; j < inW; j++)
        {
            int xRow = ws.XBar[slot][j] * stride, dRow = ws.DBar[slot][j] * stride;
            bool needD = k > 0;
            int p = 0;
            if (UseVectors)
            {
                int lanes = Vector<float>.Count;
                for (; p + lanes <= width; p += lanes)
                {
                    var h0 = new Vector<float>(h[j]);
                    var sx = h0 * new Vector<float>(buf, ws.ZBar * stride + p);
                    var sd = h0 * new Vector<float>(buf, ws.EBar * stride + p);
                    for (int i = 1; i < outW; i++)
                    {
                        var hi = new Vector<float>(h[i * inW + j]);
                        sx += hi * new Vector<float>(buf, (ws.ZBar + i) * stride + p);
                        sd += hi * new Vector<float>(buf, (ws.EBar + i) * stride + p);
                    }
                    sx.CopyTo(buf, xRow + p);
                    if (needD) sd.CopyTo(buf, dRow + p);
                }
            }
            for (; p < width; p++)
            {
                float sx = h[j] * buf[ws.ZBar * stride + p];
                float sd = h[j] * buf[ws.EBar * stride + p];
                for (int i = 1; i < outW; i++)
                {
                    sx += h[i * inW + j] * buf[(ws.ZBar + i) * stride + p];
                    sd += h[i * inW + j] * buf[(ws.EBar + i) * stride + p];
                }
                buf[xRow + p] = sx;
                if (needD) buf[dRow + p] = sd;
            }
        }
    }
}
