"""The HJ 212-2017 codec: packets, their CRC, the data segment, and the data response.

A packet on the wire (HJ 212-2017 §6.3) is ``##`` + the data segment's length as 4 decimal
digits + the data segment (0–1024 characters) + its CRC16 as 4 hex digits + CR LF. The data
segment is ``QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;[PNUM=…;PNO=…;]CP=&&…&&``. Nothing here does
I/O: :class:`Splitter` takes bytes as they arrive and returns whole packets (or the reason a
run of bytes is not one), so the receiver and the tests drive it the same way.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
import struct
from dataclasses import dataclass

from core.clock import CHINA

HEADER = b"##"
TRAILER = b"\r\n"
#: the standard's limit on the data segment (§6.3.1, "数据段 0～1024")
MAX_DATA_LENGTH = 1024
#: ``##`` + 4 length digits before the data segment, 4 CRC digits + CR LF after it
_BEFORE = 6
_AFTER = 6

#: the data commands the receiver stores (HJ 212-2017 appendix B, table B.1)
REALTIME, MINUTE, HOURLY, DAILY = "2011", "2051", "2061", "2031"
DATA_COMMANDS = (REALTIME, MINUTE, HOURLY, DAILY)
#: the upper computer's data response (数据应答), system type 91 (system interaction)
DATA_RESPONSE, INTERACTION_ST = "9014", "91"

#: Flag = V5 V4 V3 V2 V1 V0 D A (§6.3.3): A asks for a response, D says PNUM/PNO follow,
#: V5..V0 = 000001 is this edition of the standard
FLAG_ACK, FLAG_SPLIT = 0b01, 0b10
VERSION_2017 = 1
_VERSION_SHIFT = 2

#: a value's data flag (数据标记, appendix C): N normal, F stopped, M maintenance, S manual
#: setting, D fault, C calibration, T above the measuring range, B communication fault
DATA_FLAGS = frozenset("NFMSDCTB")
#: the value fields each data command carries; other fields (ZsRtd, SampleTime, EFlag …)
#: are read past
VALUE_FIELDS = {
    REALTIME: frozenset({"Rtd"}),
    MINUTE: frozenset({"Avg", "Min", "Max", "Cou"}),
    HOURLY: frozenset({"Avg", "Min", "Max", "Cou"}),
    DAILY: frozenset({"Avg", "Min", "Max", "Cou"}),
}
_ALL_VALUE_FIELDS = frozenset().union(*VALUE_FIELDS.values())

#: the header fields' widths in the standard's table 4, less their ``XX=`` label
_QN = re.compile(r"\d{17}")  # YYYYMMDDhhmmsszzz
_ST = re.compile(r"\d{2}")
_CN = re.compile(r"\d{4}")
_PW = re.compile(r"[0-9A-Za-z]{1,6}")
_MN = re.compile(r"[0-9A-Za-z_-]{1,24}")
_FLAG = re.compile(r"\d{1,3}")
_PACKET_NO = re.compile(r"\d{1,4}")
_MAX_CP = 950
#: a pollutant's field in CP, e.g. ``a21026-Avg=12.5``
_VALUE_ITEM = re.compile(r"([A-Za-z][A-Za-z0-9]{1,15})-([A-Za-z]{1,16})=([^=]*)")
_CP_SEPARATORS = re.compile(r"[;,]")
_CRC = re.compile(rb"[0-9A-Fa-f]{4}")
_NUMBER = re.compile(r"-?\d{1,15}(\.\d{1,10})?([eE][-+]?\d{1,3})?")
#: the common shape of a data command's CP, checked in one step: DataTime first, then only
#: value fields of that command (numbers) and data flags; anything else takes the general path
_NUMBER_TEXT = r"-?\d{1,15}(?:\.\d{1,10})?(?:[eE][-+]?\d{1,3})?"
_CODE_TEXT = r"[A-Za-z][A-Za-z0-9]{1,15}"
_COMMON_CP = {
    cn: re.compile(
        rf"DataTime=\d{{14}}(?:[;,]{_CODE_TEXT}-(?:(?:{'|'.join(sorted(names))})="
        rf"{_NUMBER_TEXT}|Flag=[{''.join(sorted(DATA_FLAGS))}]))+"
    )
    for cn, names in VALUE_FIELDS.items()
}
_COMMON_ITEM = re.compile(rf"({_CODE_TEXT})-([A-Za-z]+)=([^;,]+)")
_DATA_TIME_END = len("DataTime=") + 14


class Reason(enum.StrEnum):
    """Why bytes were refused; the receiver logs it (never the packet: it holds PW)."""

    BAD_LENGTH = "bad_length"  # the 4 digits are not digits, or CR LF is not where they say
    OVERSIZE = "oversize"  # a data segment longer than MAX_DATA_LENGTH
    BAD_CRC = "bad_crc"
    TRUNCATED = "truncated"  # the stream stopped inside a packet
    GARBAGE = "garbage"  # bytes outside any packet
    BAD_FIELDS = "bad_fields"  # a well-framed packet whose data segment is not HJ 212


class PacketError(ValueError):
    """Bytes that are not an acceptable packet: a :class:`Reason` and a short detail."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Measurement:
    """One pollutant's values in a data packet, e.g. ``a21026 {"Avg": 1.2, …} N``."""

    pollutant: str
    values: dict[str, float]
    flag: str


@dataclass(frozen=True, slots=True)
class Packet:
    """A decoded packet; ``data_time`` and ``measurements`` are set for the data commands."""

    qn: str | None
    st: str
    cn: str
    pw: str
    mn: str
    flag: int
    cp: str
    pnum: int | None = None
    pno: int | None = None
    data_time: dt.datetime | None = None
    measurements: tuple[Measurement, ...] = ()

    @property
    def wants_ack(self) -> bool:
        """The device asked for a response (Flag bit A)."""
        return bool(self.flag & FLAG_ACK)

    @property
    def version(self) -> int:
        """The standard's edition in Flag's bits V5..V0 (1 = HJ 212-2017, 0 = 2005)."""
        return self.flag >> _VERSION_SHIFT


def _crc_step(register: int) -> int:
    """The standard's eight reflected steps with 0xA001 on an 8-bit register."""
    for _ in range(8):
        carry = register & 1
        register >>= 1
        if carry:
            register ^= 0xA001
    return register


#: the eight steps tabulated: in CRC16_Checkout the register entering them is
#: ``(crc >> 8) ^ byte``, never more than 8 bits wide
_CRC_TABLE = tuple(_crc_step(i) for i in range(256))


#: two bytes at once: for the little-endian pair v = b0 | b1 << 8, the two steps
#: ``T[(T[(crc >> 8) ^ b0] >> 8) ^ b1]`` are ``_CRC_PAIRS[(crc >> 8) ^ v]``
_CRC_PAIRS = tuple(_CRC_TABLE[(_CRC_TABLE[i & 0xFF] >> 8) ^ (i >> 8)] for i in range(65536))


def crc16(data: bytes) -> int:
    """HJ 212-2017's ``CRC16_Checkout`` (appendix A) over ``data``.

    Not CRC-16/MODBUS: each byte is XORed into the register *after* shifting it right by
    eight (``crc = (crc >> 8) ^ byte``), then eight reflected steps with 0xA001 (here
    looked up in tables, two bytes a step).
    """
    crc = 0xFFFF
    pairs = _CRC_PAIRS
    even = len(data) & ~1
    for v in struct.unpack(f"<{even // 2}H", data[:even]):
        crc = pairs[(crc >> 8) ^ v]
    if even < len(data):
        crc = _CRC_TABLE[(crc >> 8) ^ data[-1]]
    return crc


def encode(segment: str) -> bytes:
    """The packet around a data segment: ``##`` + length + segment + CRC + CR LF."""
    data = segment.encode("ascii")
    if len(data) > MAX_DATA_LENGTH:
        raise PacketError(Reason.OVERSIZE, f"{len(data)} bytes")
    return b"%s%04d%s%04X%s" % (HEADER, len(data), data, crc16(data), TRAILER)


def data_response(packet: Packet) -> bytes:
    """The upper computer's data response (CN 9014) to ``packet``: same QN, PW and MN,
    Flag = this edition, asking for no response itself, and an empty CP."""
    qn = f"QN={packet.qn};" if packet.qn else ""
    flag = VERSION_2017 << _VERSION_SHIFT
    return encode(
        f"{qn}ST={INTERACTION_ST};CN={DATA_RESPONSE};PW={packet.pw};MN={packet.mn};"
        f"Flag={flag};CP=&&&&"
    )


def data_segment(
    cn: str,
    mn: str,
    pw: str,
    data_time: dt.datetime,
    measurements: list[Measurement],
    *,
    qn: str | None = None,
    st: str = "22",
    flag: int = (VERSION_2017 << _VERSION_SHIFT) | FLAG_ACK,
) -> str:
    """A device's data upload as a data segment (tests, the bench and simulators use it)."""
    groups = [f"DataTime={data_time.astimezone(CHINA):%Y%m%d%H%M%S}"]
    for m in measurements:
        fields = [f"{m.pollutant}-{k}={v:g}" for k, v in m.values.items()]
        groups.append(",".join([*fields, f"{m.pollutant}-Flag={m.flag}"]))
    head = f"QN={qn};" if qn else ""
    return f"{head}ST={st};CN={cn};PW={pw};MN={mn};Flag={flag};CP=&&{';'.join(groups)}&&"


def decode(data: bytes) -> Packet:
    """The packet in a data segment (the bytes between the length and the CRC)."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise PacketError(Reason.BAD_FIELDS, "not ASCII") from None
    head, sep, rest = text.partition("CP=&&")
    if not sep or not rest.endswith("&&"):
        raise PacketError(Reason.BAD_FIELDS, "no CP=&&…&&")
    cp = rest[:-2]
    if len(cp) > _MAX_CP:
        raise PacketError(Reason.BAD_FIELDS, "CP too long")
    fields = _header_fields(head)
    packet = Packet(
        qn=_optional(fields, "QN", _QN),
        st=_required(fields, "ST", _ST),
        cn=_required(fields, "CN", _CN),
        pw=_required(fields, "PW", _PW),
        mn=_required(fields, "MN", _MN),
        flag=int(_required(fields, "Flag", _FLAG)),
        cp=cp,
        pnum=_packet_number(fields, "PNUM"),
        pno=_packet_number(fields, "PNO"),
    )
    if packet.flag > 0xFF:
        raise PacketError(Reason.BAD_FIELDS, "Flag out of range")
    if packet.cn not in DATA_COMMANDS:
        return packet
    data_time, measurements = _data_area(packet.cn, cp)
    return Packet(
        **{k: getattr(packet, k) for k in ("qn", "st", "cn", "pw", "mn", "flag", "cp")},
        pnum=packet.pnum,
        pno=packet.pno,
        data_time=data_time,
        measurements=measurements,
    )


def _header_fields(head: str) -> dict[str, str]:
    if head and not head.endswith(";"):
        raise PacketError(Reason.BAD_FIELDS, "no ';' before CP")
    fields: dict[str, str] = {}
    for item in head.split(";")[:-1]:
        key, sep, value = item.partition("=")
        if not sep or key in fields:
            raise PacketError(Reason.BAD_FIELDS, f"field {key[:8]!r} malformed or repeated")
        fields[key] = value
    return fields


def _required(fields: dict[str, str], key: str, pattern: re.Pattern[str]) -> str:
    value = _optional(fields, key, pattern)
    if value is None:
        raise PacketError(Reason.BAD_FIELDS, f"no {key}")
    return value


def _optional(fields: dict[str, str], key: str, pattern: re.Pattern[str]) -> str | None:
    value = fields.get(key)
    if value is not None and not pattern.fullmatch(value):
        raise PacketError(Reason.BAD_FIELDS, f"{key} malformed")
    return value


def _packet_number(fields: dict[str, str], key: str) -> int | None:
    value = _optional(fields, key, _PACKET_NO)
    return int(value) if value is not None else None


def _data_area(cn: str, cp: str) -> tuple[dt.datetime, tuple[Measurement, ...]]:
    """DataTime and the pollutants' values of a data command's CP (groups split by ';',
    a pollutant's fields by ',', both accepted anywhere as devices mix them)."""
    common = _common_data_area(cn, cp)
    return common if common is not None else _general_data_area(cn, cp)


def _common_data_area(cn: str, cp: str) -> tuple[dt.datetime, tuple[Measurement, ...]] | None:
    """:func:`_general_data_area` for the shape nearly every device sends (see
    ``_COMMON_CP``), in a fraction of its time; None for anything else, repeated fields and
    stray flags included, which the general path then answers (or refuses) by itself."""
    if not _COMMON_CP[cn].fullmatch(cp):
        return None
    values: dict[str, dict[str, float]] = {}
    flags: dict[str, str] = {}
    for code, field, text in _COMMON_ITEM.findall(cp, _DATA_TIME_END):
        if field == "Flag":
            if code in flags:
                return None
            flags[code] = text
            continue
        slot = values.setdefault(code, {})
        number = float(text)
        if field in slot or not math.isfinite(number):
            return None
        slot[field] = number
    if not values or not flags.keys() <= values.keys():
        return None
    data_time = _data_time(cp[len("DataTime=") : _DATA_TIME_END])
    return data_time, tuple(Measurement(c, v, flags.get(c, "N")) for c, v in values.items())


def _general_data_area(cn: str, cp: str) -> tuple[dt.datetime, tuple[Measurement, ...]]:
    """:func:`_data_area` for every CP: each item checked on its own, with its reason."""
    data_time: dt.datetime | None = None
    values: dict[str, dict[str, float]] = {}
    flags: dict[str, str] = {}
    allowed = VALUE_FIELDS[cn]
    for item in _CP_SEPARATORS.split(cp) if cp else ():
        if matched := _VALUE_ITEM.fullmatch(item):  # the common case, in one step
            code, field, value = matched.groups()
        else:
            key, sep, value = item.partition("=")
            if not sep:
                raise PacketError(Reason.BAD_FIELDS, "CP item without '='")
            code, dash, field = key.partition("-")
            if dash:
                raise PacketError(Reason.BAD_FIELDS, "pollutant code malformed")
            if key == "DataTime":
                if data_time is not None:
                    raise PacketError(Reason.BAD_FIELDS, "DataTime repeated")
                data_time = _data_time(value)
            continue
        if field == "Flag":
            if value not in DATA_FLAGS or code in flags:
                raise PacketError(Reason.BAD_FIELDS, f"{code}-Flag malformed or repeated")
            flags[code] = value
        elif field in allowed:
            slot = values.setdefault(code, {})
            if field in slot:
                raise PacketError(Reason.BAD_FIELDS, f"{code}-{field} repeated")
            slot[field] = _number(code, field, value)
        elif field in _ALL_VALUE_FIELDS:
            raise PacketError(Reason.BAD_FIELDS, f"{code}-{field} is not a field of CN {cn}")
    if data_time is None:
        raise PacketError(Reason.BAD_FIELDS, "no DataTime")
    if not values:
        raise PacketError(Reason.BAD_FIELDS, "no values")
    if stray := set(flags) - set(values):
        raise PacketError(Reason.BAD_FIELDS, f"a flag without values: {sorted(stray)[0]}")
    # a value without a flag reports no abnormal state: the standard's N
    measurements = tuple(Measurement(c, v, flags.get(c, "N")) for c, v in values.items())
    return data_time, measurements


def _data_time(value: str) -> dt.datetime:
    if not re.fullmatch(r"\d{14}", value):
        raise PacketError(Reason.BAD_FIELDS, "DataTime malformed")
    try:
        return dt.datetime(
            int(value[:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[8:10]),
            int(value[10:12]),
            int(value[12:]),
            tzinfo=CHINA,
        )
    except ValueError:
        raise PacketError(Reason.BAD_FIELDS, "DataTime is not a date") from None


def _number(code: str, field: str, value: str) -> float:
    if not _NUMBER.fullmatch(value):
        raise PacketError(Reason.BAD_FIELDS, f"{code}-{field} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise PacketError(Reason.BAD_FIELDS, f"{code}-{field} is not finite")
    return number


class Splitter:
    """Reassembles packets from a TCP byte stream, whatever the chunking.

    ``feed`` returns, in order, each complete packet and a :class:`PacketError` for each
    refused run of bytes; after a refusal it resynchronises on the next ``##``. The buffer
    never holds more than one packet's worth of bytes (a claimed length above the limit is
    refused at once, bytes outside packets are dropped as they come).
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        #: bytes are being skipped after a refusal: don't report them again as garbage
        self._skipping = False

    @property
    def pending(self) -> int:
        """Bytes held of an unfinished packet (0 between packets)."""
        return len(self._buffer)

    def close(self) -> PacketError | None:
        """The stream ended (or timed out): a packet begun and not finished is truncated."""
        rest, self._buffer = bytes(self._buffer), bytearray()
        if rest.startswith(HEADER):
            return PacketError(Reason.TRUNCATED, f"{len(rest)} bytes of an unfinished packet")
        if rest.strip(b"\r\n") and not self._skipping:
            return PacketError(Reason.GARBAGE, f"{len(rest)} bytes outside a packet")
        return None

    def feed(self, data: bytes) -> list[Packet | PacketError]:
        """Every packet (or refusal) completed by ``data``."""
        self._buffer += data
        out: list[Packet | PacketError] = []
        while self._buffer:
            result = self._next()
            if result is None:
                break
            out.append(result)
        return out

    def _next(self) -> Packet | PacketError | None:
        """One packet or refusal off the front of the buffer, or None until more bytes."""
        buf = self._buffer
        start = buf.find(HEADER)
        while start >= 0 and buf[start + 2 : start + 3] == b"#":
            start += 1  # "###0101…": the packet begins at the last two
        if start != 0:
            drop = start if start > 0 else len(buf) - (1 if buf.endswith(b"#") else 0)
            skipped = bytes(buf[:drop])
            del buf[:drop]
            # a device's stray line ends between packets are not worth a word
            if skipped.strip(b"\r\n") and not self._skipping:
                return self._refuse(Reason.GARBAGE, f"{len(skipped)} bytes outside a packet")
            if start < 0:
                return None
        self._skipping = False
        if len(buf) < _BEFORE:
            return None
        digits = bytes(buf[2:_BEFORE])
        if not digits.isdigit():
            del buf[:2]
            return self._refuse(Reason.BAD_LENGTH, "length is not 4 digits")
        length = int(digits)
        if length > MAX_DATA_LENGTH:
            del buf[:2]
            return self._refuse(Reason.OVERSIZE, f"data segment of {length} bytes")
        end = _BEFORE + length + _AFTER
        if len(buf) < end or buf[end - 2 : end] != TRAILER:
            restart = self._complete_packet_after(2)
            if restart > 0:  # a whole packet follows: this one will never be finished
                ended = buf.find(TRAILER, _BEFORE, restart) >= 0
                del buf[:restart]
                if ended:
                    return PacketError(Reason.BAD_LENGTH, "CR LF is not where the length says")
                return PacketError(Reason.TRUNCATED, "a packet began before this one ended")
            if len(buf) < end:
                return None
            del buf[:2]  # resynchronise on the next ##
            return self._refuse(Reason.BAD_LENGTH, "CR LF is not where the length says")
        segment = bytes(buf[_BEFORE : _BEFORE + length])
        crc_text = bytes(buf[_BEFORE + length : end - 2])
        del buf[:end]
        if not _CRC.fullmatch(crc_text) or int(crc_text, 16) != crc16(segment):
            return PacketError(Reason.BAD_CRC, "CRC does not match")
        try:
            return decode(segment)
        except PacketError as exc:
            return exc

    def _complete_packet_after(self, offset: int) -> int:
        """Where a whole packet with a good CRC begins after ``offset``, or -1."""
        buf = self._buffer
        start = buf.find(HEADER, offset)
        while start >= 0:
            digits = bytes(buf[start + 2 : start + _BEFORE])
            if digits.isdigit() and int(digits) <= MAX_DATA_LENGTH:
                body = start + _BEFORE
                end = body + int(digits) + _AFTER
                crc_text = bytes(buf[end - _AFTER : end - 2])
                if (
                    buf[end - 2 : end] == TRAILER
                    and _CRC.fullmatch(crc_text)
                    and int(crc_text, 16) == crc16(bytes(buf[body : end - _AFTER]))
                ):
                    return start
            start = buf.find(HEADER, start + 1)
        return -1

    def _refuse(self, reason: Reason, detail: str) -> PacketError:
        """A refusal that skips bytes: what follows up to the next ``##`` goes with it."""
        self._skipping = True
        return PacketError(reason, detail)
