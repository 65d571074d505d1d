namespace Ltc.Coding;

/// <summary>Raw bits, least significant first, for the coder's bypass stream (escapes, raw fields).</summary>
internal sealed class BitWriter
{
    private byte[] _buffer = new byte[64];
    private int _length;
    private ulong _acc;
    private int _bits;

    /// <summary>Bytes written so far, counting a partial last byte.</summary>
    public int ByteCount => _length + (_bits + 7) / 8;

    public void Reset()
    {
        _length = 0;
        _acc = 0;
        _bits = 0;
    }

    /// <summary>Writes the low <paramref name="count"/> (0..32) bits of <paramref name="value"/>.</summary>
    public void Write(uint value, int count)
    {
        if (count == 0) return;
        _acc |= (ulong)(value & (uint)((1ul << count) - 1)) << _bits;
        _bits += count;
        while (_bits >= 8)
        {
            if (_length == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            _buffer[_length++] = (byte)_acc;
            _acc >>= 8;
            _bits -= 8;
        }
    }

    public void Write64(ulong value, int count)
    {
        if (count > 32)
        {
            Write((uint)value, 32);
            Write((uint)(value >> 32), count - 32);
        }
        else Write((uint)value, count);
    }

    public void WriteExpGolomb(ulong v)
    {
        int z = ExpGolomb.Length(v) / 2;
        for (int left = z; left > 0; left -= 32) Write(0, Math.Min(32, left));
        Write(1, 1);
        Write64(unchecked(v + 1), z);
    }

    /// <summary>Copies the bits (last byte zero-padded) to <paramref name="dest"/>.</summary>
    public void CopyTo(Span<byte> dest)
    {
        _buffer.AsSpan(0, _length).CopyTo(dest);
        if (_bits > 0) dest[_length] = (byte)_acc;
    }
}

/// <summary>Reads what <see cref="BitWriter"/> wrote; past the end it reads zeros and remembers the overrun.</summary>
internal struct BitReader
{
    private readonly ReadOnlyMemory<byte> _data;
    private int _pos;
    private ulong _acc;
    private int _bits;

    public BitReader(ReadOnlyMemory<byte> data)
    {
        _data = data;
        _pos = 0;
        _acc = 0;
        _bits = 0;
        Overrun = false;
    }

    public bool Overrun { get; private set; }

    /// <summary>True when all bits before the zero padding of the last byte have been read and the padding is zero.</summary>
    public readonly bool AtCleanEnd => _pos == _data.Length && _bits < 8 && _acc == 0 && !Overrun;

    public uint Read(int count)
    {
        if (count == 0) return 0;
        while (_bits < count)
        {
            ulong b = 0;
            if (_pos < _data.Length) b = _data.Span[_pos++];
            else Overrun = true;
            _acc |= b << _bits;
            _bits += 8;
        }
        uint v = (uint)(_acc & ((1ul << count) - 1));
        _acc >>= count;
        _bits -= count;
        return v;
    }

    public ulong Read64(int count) => count > 32 ? Read(32) | ((ulong)Read(count - 32) << 32) : Read(count);

    public ulong ReadExpGolomb(string name)
    {
        int z = 0;
        while (Read(1) == 0)
            if (++z > ExpGolomb.MaxZeros || Overrun) throw new LtcFormatException($"{name}: corrupt escape code in the bypass stream");
        UInt128 m = ((UInt128)1 << z) | Read64(z);
        if (m - 1 > ulong.MaxValue) throw new LtcFormatException($"{name}: escape value exceeds 64 bits");
        return (ulong)(m - 1);
    }
}
