using System.Runtime.InteropServices;

namespace Ltc.Cli;

internal static partial class LtcApp
{
    /// <summary>
    /// Turns SIGINT and SIGTERM (and an outside interruption) into a cancellation for as long as it is not disposed:
    /// the first signal cancels <see cref="Token"/> and the process keeps running so that the command can save what it
    /// has, remove its temporary files and restore the terminal; a second signal terminates as usual.
    /// </summary>
    internal sealed class Interruption : IDisposable
    {
        private readonly CancellationTokenSource _cts;
        private readonly List<PosixSignalRegistration> _registrations = [];
        private readonly CancellationTokenRegistration _outside;
        private int _signal;

        private Interruption()
        {
            _cts = new CancellationTokenSource();
            var outside = Current.Value?.Interrupt ?? default;
            _outside = outside.Register(() => Fire(2));
            if (OperatingSystem.IsWindows() || OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
            {
                foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
                {
                    try
                    {
                        _registrations.Add(PosixSignalRegistration.Create(signal, ctx =>
                        {
                            // The first signal asks the command to stop cleanly; a second one is not cancelled.
                            if (Volatile.Read(ref _signal) == 0)
                            {
                                ctx.Cancel = true;
                                Fire(ctx.Signal == PosixSignal.SIGTERM ? 15 : 2);
                            }
                        }));
                    }
                    catch (PlatformNotSupportedException) { }
                }
            }
        }

        /// <summary>Starts listening.</summary>
        public static Interruption Begin() => new();

        private void Fire(int signal)
        {
            if (Interlocked.CompareExchange(ref _signal, signal, 0) == 0) _cts.Cancel();
        }

        /// <summary>Cancelled by the first signal.</summary>
        public CancellationToken Token => _cts.Token;

        /// <summary>Whether a signal arrived.</summary>
        public bool Fired => Volatile.Read(ref _signal) != 0;

        /// <summary>SIGINT or SIGTERM, for messages.</summary>
        public string SignalName => Volatile.Read(ref _signal) == 15 ? "SIGTERM" : "SIGINT";

        /// <summary>128 + the signal number.</summary>
        public int ExitCode => Volatile.Read(ref _signal) == 15 ? InterruptedBySigterm : InterruptedBySigint;

        public void Dispose()
        {
            foreach (var r in _registrations) r.Dispose();
            _outside.Dispose();
            _cts.Dispose();
        }
    }
}
