using System.Diagnostics;
using System.Globalization;
using Ltc.Torch;
using Spectre.Console;

namespace Ltc.Cli.Progress;

/// <summary>
/// Shows training progress: a live Spectre.Console bar (step, rate, distortion, loss, speed, ETA) when the writer is a
/// terminal, plain lines every few seconds when it is redirected to a file or pipe.
/// </summary>
internal abstract class TrainingProgressView : IProgress<TrainingProgress>, IDisposable
{
    protected static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static TrainingProgressView Create(TextWriter writer, string title)
    {
        bool terminal = ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected;
        return terminal ? new Live(title) : new Plain(writer, title);
    }

    public abstract void Report(TrainingProgress value);

    /// <summary>Ends the display (idempotent).</summary>
    public abstract void Complete();

    public void Dispose() => Complete();

    protected static string Describe(TrainingProgress p) => string.Format(Inv,
        "rate {0:F4}  D {1:G4}  loss {2:F4}  {3:F1} steps/s", p.Rate, p.Distortion, p.Loss, p.StepsPerSecond);

    private sealed class Plain(TextWriter writer, string title) : TrainingProgressView
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _last = TimeSpan.FromSeconds(-10);
        private bool _done;

        public override void Report(TrainingProgress p)
        {
            bool end = p.Step >= p.Steps;
            if (!end && (_clock.Elapsed - _last).TotalSeconds < 10) return;
            _last = _clock.Elapsed;
            writer.WriteLine(string.Format(Inv, "{0}: step {1}/{2}  {3}  ETA {4:hh\\:mm\\:ss}", title, p.Step, p.Steps, Describe(p), p.Eta));
            writer.Flush();
        }

        public override void Complete()
        {
            if (_done) return;
            _done = true;
            writer.WriteLine(string.Format(Inv, "{0}: done in {1:F1} s", title, _clock.Elapsed.TotalSeconds));
        }
    }

    private sealed class Live : TrainingProgressView
    {
        private readonly Thread _thread;
        private volatile TrainingProgress? _latest;
        private volatile bool _done;

        public Live(string title)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            _thread = new Thread(() => console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(title, maxValue: 1);
                    while (true)
                    {
                        var p = _latest;
                        if (p is not null)
                        {
                            task.MaxValue = Math.Max(1, p.Steps);
                            task.Value = p.Step;
                            task.Description = $"{Markup.Escape(title)} [grey]{p.Step}/{p.Steps}  {Markup.Escape(Describe(p))}[/]";
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

        public override void Report(TrainingProgress value) => _latest = value;

        public override void Complete()
        {
            if (_done) return;
            _done = true;
            _thread.Join();
        }
    }
}
