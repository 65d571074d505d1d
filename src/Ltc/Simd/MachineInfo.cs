using System.Globalization;

namespace Ltc.Simd;

/// <summary>
/// The facts a benchmark is recorded with: the CPU, its logical cores, the vector path the kernels run on, and the
/// load of the machine (speed figures mean little without them; see docs/results).
/// </summary>
/// <param name="Cpu">The CPU's model name (Linux <c>/proc/cpuinfo</c>), or the architecture where it is not known.</param>
/// <param name="LogicalCores">Logical cores the process may use.</param>
/// <param name="Path">The vector path (<see cref="SimdPath.Name"/>).</param>
/// <param name="LoadAverage">The one-minute load average (Linux <c>/proc/loadavg</c>), or null where it is not known.</param>
public sealed record MachineInfo(string Cpu, int LogicalCores, string Path, double? LoadAverage)
{
    /// <summary>The facts of this machine now.</summary>
    public static MachineInfo Current() => new(CpuName(), Environment.ProcessorCount, SimdPath.Name, Load());

    /// <summary>The one-minute load average now, or null where the system does not report it.</summary>
    public static double? Load()
    {
        try
        {
            if (!File.Exists("/proc/loadavg")) return null;
            var first = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static string CpuName()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is int i and >= 0)
                        return line[(i + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }
}
