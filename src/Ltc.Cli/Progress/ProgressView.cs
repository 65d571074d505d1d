using System.Diagnostics;
using System.Globalization;
using Ltc.Codec;
using Ltc.Torch;
using Spectre.Console;

namespace Ltc.Cli.Progress;

/// <summary>One line of progress: work done out of a total, a description and the estimated time left.</summary>
internal readonly record struct ProgressLine(long Done, long Total, string Text, TimeSpan Eta, bool Final = false);

/// <summary>
/// Shows progress of long work: a live Spectre.Console bar when the writer is a terminal, plain lines every few
/// seconds when it is redirected to a file or pipe.
/// </summary>
internal abstract class ProgressView<T> : IProgress<T>, IDisposable
{
    private readonly Func<T, ProgressLine> _describe;

    protected ProgressView(Func<T, ProgressLine> describe) => _describe = describe;

    public static ProgressView<T> Create(TextWriter writer, string title, Func<T, ProgressLine> describe)
    {
        bool terminal = ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected;
        return terminal ? new Live(title, describe) : new Plain(writer, title, describe);
    }

    public void Report(T value) => Show(_describe(value));

    protected abstract void Show(ProgressLine line);

    /// <summary>Ends the display after success, with a last line (idempotent).</summary>
    public abstract void Complete();

    /// <summary>Stops the display; after a failure it says nothing more, so the error is the last line.</summary>
    public abstract void Dispose();

    private sealed class Plain(TextWriter writer, string title, Func<T, ProgressLine> describe) : ProgressView<T>(describe)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _last = TimeSpan.Zero; // the first line after 10 s: short work prints only its result
        private long _lastDone = -1;
        private bool _done;

        protected override void Show(ProgressLine p)
        {
            bool end = p.Done >= p.Total || p.Final; // work may end before its total (converged, interrupted)
            if (!end && (_clock.Elapsed - _last).TotalSeconds < 10) return;
            if (end && p.Done == _lastDone) return; // the end of work is reported once, however often it is reported
            _last = _clock.Elapsed;
            _lastDone = p.Done;
            // The last line of work that ended before its total (converged, interrupted) has no time left to show.
            writer.WriteLine(end && p.Done < p.Total
                ? string.Format(CultureInfo.InvariantCulture, "{0}: {1}/{2}  {3}", title, p.Done, p.Total, p.Text)
                : string.Format(CultureInfo.InvariantCulture, "{0}: {1}/{2}  {3}  ETA {4:hh\\:mm\\:ss}", title, p.Done, p.Total, p.Text, p.Eta));
            writer.Flush();
        }

        public override void Complete()
        {
            if (_done) return;
            _done = true;
            writer.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0}: done in {1:F1} s", title, _clock.Elapsed.TotalSeconds));
        }

        public override void Dispose() => _done = true;
    }

    private sealed class Live : ProgressView<T>
    {
        private readonly Thread _thread;
        private volatile object? _latest; // a boxed ProgressLine, so reads and writes are atomic
        private volatile bool _done;

        public Live(string title, Func<T, ProgressLine> describe) : base(describe)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            _thread = new Thread(() => console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(Markup.Escape(title), maxValue: 1);
                    while (true)
                    {
                        if (_latest is ProgressLine p)
                        {
                            task.MaxValue = Math.Max(1, p.Total);
                            task.Value = p.Done;
                            task.Description = $"{Markup.Escape(title)} [grey]{p.Done}/{p.Total}  {Markup.Escape(p.Text)}[/]";
                        }
                        if (_done) break;
                        ctx.Refresh();
                        Thread.Sleep(200);
                    }
                    task.StopTask();
                }))
            { IsBackground = true, Name = "ltc progress" };
            _thread.Start();
        }

        protected override void Show(ProgressLine line) => _latest = line;

        public override void Complete()
        {
            if (_done) return;
            _done = true;
            _thread.Join();
        }

        public override void Dispose() => Complete();
    }
}

/// <summary>The progress views of Ltc's long commands.</summary>
internal static class ProgressViews
{
    public static ProgressView<TrainingProgress> Training(TextWriter writer, string title) => ProgressView<TrainingProgress>.Create(writer, title,
        p => new ProgressLine(p.Step, p.Steps, double.IsNaN(p.Loss) ? "no training step run" : string.Format(CultureInfo.InvariantCulture,
            "rate {0:F4}  D {1:G4}  loss {2:F4}  {3:F1} steps/s", p.Rate, p.Distortion, p.Loss, p.StepsPerSecond), p.Eta, p.IsLast));

    public static ProgressView<CodecProgress> Codec(TextWriter writer, string title) => ProgressView<CodecProgress>.Create(writer, title,
        p => new ProgressLine(p.Vectors, p.Total, string.Format(CultureInfo.InvariantCulture, "{0:F0} vectors/s", p.VectorsPerSecond), p.Eta));
}
