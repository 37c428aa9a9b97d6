"""The HJ 212-2017 codec: CRC16_Checkout, framing, the data segment, the data response."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.clock import CHINA
from credit.monitoring.hj212 import (
    MAX_DATA_LENGTH,
    Measurement,
    Packet,
    PacketError,
    Reason,
    Splitter,
    crc16,
    data_response,
    data_segment,
    decode,
    encode,
)

#: the standard's example packet (§6.3, a 1062 "set real-time interval" request) and its CRC
STANDARD_SEGMENT = (
    "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
    "Flag=5;CP=&&RtdInterval=30&&"
)
STANDARD_PACKET = b"##0101" + STANDARD_SEGMENT.encode() + b"1C80\r\n"

MN = "010000A8900016F000169DC0"
HOURLY = (
    f"QN=20260801090000123;ST=22;CN=2061;PW=123456;MN={MN};Flag=5;"
    "CP=&&DataTime=20260801080000;"
    "a21026-Avg=12.5,a21026-Min=10.1,a21026-Max=15.0,a21026-Flag=N;"
    "a34004-Avg=40,a34004-Min=38,a34004-Max=44,a34004-Flag=T;"
    "a19001-Cou=1.2E+03,a19001-Flag=N&&"
)


def frame(segment: str, crc: str | None = None) -> bytes:
    """A packet built by hand: ## + length + segment + CRC + CR LF."""
    data = segment.encode()
    return b"##%04d%s%s\r\n" % (len(data), data, (crc or f"{crc16(data):04X}").encode())


def one(data: bytes) -> Packet | PacketError:
    results = Splitter().feed(data)
    assert len(results) == 1, results
    return results[0]


def reasons(results: list[Packet | PacketError]) -> list[str]:
    return [r.reason if isinstance(r, PacketError) else r.cn for r in results]


def test_the_crc_of_the_standards_example_is_1c80():
    assert crc16(STANDARD_SEGMENT.encode()) == 0x1C80


def checkout(data: bytes) -> int:
    """CRC16_Checkout as the standard's appendix writes it, bit by bit."""
    crc_reg = 0xFFFF
    for byte in data:
        crc_reg = (crc_reg >> 8) ^ byte
        for _ in range(8):
            check = crc_reg & 0x0001
            crc_reg >>= 1
            if check == 0x0001:
                crc_reg ^= 0xA001
    return crc_reg


@given(st.binary(max_size=300))
def test_the_tabulated_crc_is_the_standards_bit_by_bit_one(data):
    assert crc16(data) == checkout(data)


def test_the_crc_is_not_modbus():
    # CRC-16/MODBUS of "123456789" is 0x4B37; the standard's variant XORs after the shift
    assert crc16(b"123456789") != 0x4B37
    assert crc16(b"") == 0xFFFF


def test_encoding_the_standards_segment_gives_the_standards_packet():
    assert encode(STANDARD_SEGMENT) == STANDARD_PACKET


def test_the_standards_example_decodes_and_asks_for_a_response():
    packet = one(STANDARD_PACKET)
    assert isinstance(packet, Packet)
    assert (packet.qn, packet.st, packet.cn, packet.pw, packet.mn) == (
        "20160801085857223",
        "32",
        "1062",
        "100000",
        MN,
    )
    assert packet.flag == 5 and packet.wants_ack and packet.version == 1
    assert packet.cp == "RtdInterval=30"


def test_the_data_response_echoes_qn_pw_mn_with_flag_4_and_an_empty_cp():
    response = data_response(decode(STANDARD_SEGMENT.encode()))
    segment = (
        "QN=20160801085857223;ST=91;CN=9014;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&"
    )
    assert response == frame(segment)
    answer = one(response)
    assert isinstance(answer, Packet)
    assert answer.cn == "9014" and not answer.wants_ack


def test_an_hourly_packet_gives_each_pollutant_its_values_and_flag():
    packet = decode(HOURLY.encode())
    assert packet.data_time == dt.datetime(2026, 8, 1, 8, tzinfo=CHINA)
    assert packet.measurements == (
        Measurement("a21026", {"Avg": 12.5, "Min": 10.1, "Max": 15.0}, "N"),
        Measurement("a34004", {"Avg": 40.0, "Min": 38.0, "Max": 44.0}, "T"),
        Measurement("a19001", {"Cou": 1200.0}, "N"),
    )


def test_a_realtime_packet_reads_rtd_and_passes_over_other_fields():
    segment = (
        f"QN=20260801085857223;ST=22;CN=2011;PW=123456;MN={MN};Flag=4;"
        "CP=&&DataTime=20260801085857;a21026-Rtd=1.2,a21026-ZsRtd=1.5,a21026-Flag=N;"
        "a21002-Rtd=-0.5&&"
    )
    packet = decode(segment.encode())
    assert not packet.wants_ack
    assert packet.measurements == (
        Measurement("a21026", {"Rtd": 1.2}, "N"),
        # no flag: the device reports no abnormal state
        Measurement("a21002", {"Rtd": -0.5}, "N"),
    )


def test_split_packets_carry_pnum_and_pno():
    segment = HOURLY.replace("Flag=5;", "Flag=7;PNUM=2;PNO=1;")
    packet = decode(segment.encode())
    assert (packet.pnum, packet.pno, packet.wants_ack) == (2, 1, True)


def test_the_segment_builder_round_trips():
    when = dt.datetime(2026, 8, 1, 8, tzinfo=CHINA)
    values = [Measurement("a21026", {"Avg": 12.5, "Max": 20.0}, "N")]
    packet = decode(data_segment("2061", MN, "123456", when, values, qn="1" * 17).encode())
    assert (packet.data_time, list(packet.measurements)) == (when, values)


def test_packets_split_over_reads_byte_by_byte_come_out_whole():
    splitter = Splitter()
    stream = frame(HOURLY) + STANDARD_PACKET
    out = [r for byte in stream for r in splitter.feed(bytes([byte]))]
    assert reasons(out) == ["2061", "1062"]
    assert splitter.pending == 0


def test_garbage_before_between_and_after_packets_is_refused_once_each():
    out = Splitter().feed(b"\x00\xffhello" + frame(HOURLY) + b"junk#" + STANDARD_PACKET)
    assert reasons(out) == [Reason.GARBAGE, "2061", Reason.GARBAGE, "1062"]


def test_line_ends_between_packets_are_not_garbage():
    assert reasons(Splitter().feed(b"\r\n" + frame(HOURLY) + b"\r\n\r\n")) == ["2061"]


def test_a_length_that_is_not_four_digits_is_refused_and_the_next_packet_read():
    out = Splitter().feed(b"##01a1" + STANDARD_SEGMENT.encode() + b"1C80\r\n" + frame(HOURLY))
    assert reasons(out) == [Reason.BAD_LENGTH, "2061"]


def test_a_length_that_does_not_match_the_segment_is_refused():
    wrong = b"##0100" + STANDARD_SEGMENT.encode() + b"1C80\r\n"
    out = Splitter().feed(wrong + frame(HOURLY))
    assert reasons(out) == [Reason.BAD_LENGTH, "2061"]


def test_a_data_segment_over_1024_bytes_is_refused_at_its_header():
    splitter = Splitter()
    assert reasons(splitter.feed(b"##1025QN=")) == [Reason.OVERSIZE]
    assert reasons(splitter.feed(b"x" * 5000 + frame(HOURLY))) == ["2061"]
    assert splitter.pending == 0


def test_a_segment_of_exactly_1024_bytes_is_framed():
    segment = HOURLY[:-2] + ";" + "x" * (MAX_DATA_LENGTH - len(HOURLY) - 1) + "&&"
    assert len(segment) == MAX_DATA_LENGTH
    # a CP over the standard's 950 characters: framed, then refused as fields
    result = one(frame(segment))
    assert isinstance(result, PacketError) and result.reason is Reason.BAD_FIELDS
    with pytest.raises(PacketError) as exc:
        encode(segment + "x")
    assert exc.value.reason is Reason.OVERSIZE


@pytest.mark.parametrize("crc", ["1C81", "1c8g", "    ", "0000"])
def test_a_wrong_crc_is_refused(crc):
    result = one(b"##0101" + STANDARD_SEGMENT.encode() + crc.encode() + b"\r\n")
    assert isinstance(result, PacketError) and result.reason is Reason.BAD_CRC


def test_a_lowercase_crc_is_accepted():
    assert isinstance(one(b"##0101" + STANDARD_SEGMENT.encode() + b"1c80\r\n"), Packet)


def test_a_stream_that_stops_inside_a_packet_is_truncated():
    splitter = Splitter()
    assert splitter.feed(STANDARD_PACKET[:50]) == []
    assert splitter.pending == 50
    error = splitter.close()
    assert error is not None and error.reason is Reason.TRUNCATED
    assert splitter.close() is None


def test_a_truncated_packet_followed_by_a_whole_one_gives_the_whole_one_at_once():
    out = Splitter().feed(STANDARD_PACKET[:50] + frame(HOURLY))
    assert reasons(out) == [Reason.TRUNCATED, "2061"]


@pytest.mark.parametrize(
    ("segment", "why"),
    [
        (HOURLY.replace(f"MN={MN};", ""), "no MN"),
        (HOURLY.replace("PW=123456", "PW=1234567"), "PW malformed"),
        (HOURLY.replace(f"MN={MN}", "MN=" + "A" * 25), "MN malformed"),
        (HOURLY.replace("QN=20260801090000123", "QN=2026"), "QN malformed"),
        (HOURLY.replace("Flag=5", "Flag=x"), "Flag malformed"),
        (HOURLY.replace("Flag=5", "Flag=256"), "Flag out of range"),
        (HOURLY.replace("ST=22;", "ST=22;ST=22;"), "repeated"),
        (HOURLY.replace("CP=&&", "CP=&"), "no CP"),
        (HOURLY[:-2], "no CP"),
        (HOURLY.replace("DataTime=20260801080000;", ""), "no DataTime"),
        (HOURLY.replace("20260801080000", "20261301080000"), "not a date"),
        (HOURLY.replace("a21026-Flag=N", "a21026-Flag=X"), "Flag malformed"),
        (HOURLY.replace("a21026-Avg=12.5", "a21026-Avg=1e999"), "not finite"),
        (HOURLY.replace("a21026-Avg=12.5", "a21026-Avg=abc"), "not a number"),
        (HOURLY.replace("a21026-Avg=12.5", "a21026-Avg=NaN"), "not a number"),
        (HOURLY.replace("a21026-Avg", "a21026-Rtd"), "not a field of CN 2061"),
        (HOURLY.replace("a21026-Min=10.1", "a21026-Avg=10.1"), "repeated"),
        (HOURLY.replace("a21026-Avg", "2+2-Avg"), "pollutant code"),
        (HOURLY.replace(";a34004-Avg=40", ";a34004-Avg"), "without '='"),
        (HOURLY.replace("a19001-Cou=1.2E+03,", ""), "a flag without values"),
        (HOURLY.replace("CN=2061", "CN=2061").replace("Flag=N;", "Flag=N;é=1;"), "ASCII"),
    ],
)
def test_malformed_data_segments_are_refused_with_the_field_named(segment, why):
    result = one(frame(segment))
    assert isinstance(result, PacketError)
    assert result.reason is Reason.BAD_FIELDS
    assert why in result.detail


def test_a_data_command_without_values_is_refused():
    result = one(frame(HOURLY.split("CP=")[0] + "CP=&&DataTime=20260801080000&&"))
    assert isinstance(result, PacketError) and result.detail == "no values"


def test_other_commands_keep_their_cp_unread():
    packet = decode(STANDARD_SEGMENT.replace("CN=1062", "CN=9999").encode())
    assert packet.cp == "RtdInterval=30" and packet.measurements == ()


@given(
    st.lists(st.sampled_from(["good", "std", "garbage", "crc"]), max_size=12),
    st.randoms(use_true_random=False),
)
def test_any_chunking_of_a_mixed_stream_gives_the_same_results(kinds, rnd: random.Random):
    pieces = {
        "good": frame(HOURLY),
        "std": STANDARD_PACKET,
        "garbage": b"\x00garbage\xfe",
        "crc": STANDARD_PACKET.replace(b"1C80", b"0000"),
    }
    stream = b"".join(pieces[k] for k in kinds)
    whole = reasons(Splitter().feed(stream))
    splitter, chunked, at = Splitter(), [], 0
    while at < len(stream):
        step = rnd.randint(1, 200)
        chunked += reasons(splitter.feed(stream[at : at + step]))
        at += step
    assert chunked == whole
    assert whole.count("2061") == kinds.count("good")
    assert whole.count("1062") == kinds.count("std")
    assert whole.count(Reason.BAD_CRC) == kinds.count("crc")
    assert splitter.close() is None


# -- the common-shape path gives what the general path gives ---------------------------------
_codes = st.sampled_from(["a21026", "a21002", "a34004", "w01018", "a19001", "B02"])
_numbers = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: f"{f:.3f}"),
    st.sampled_from(["1.2E+03", "5e-2", "-0.5", "9e999", "007"]),
)
_item = st.one_of(
    st.tuples(_codes, st.sampled_from(["Avg", "Min", "Max", "Cou", "Rtd"]), _numbers),
    st.tuples(_codes, st.just("Flag"), st.sampled_from(list("NFMSDCTBX"))),
)


@given(
    cn=st.sampled_from(["2011", "2051", "2061", "2031"]),
    items=st.lists(_item, max_size=12),
    separators=st.lists(st.sampled_from([";", ","]), min_size=12, max_size=12),
    time_first=st.booleans(),
)
def test_the_common_path_answers_as_the_general_path_or_leaves_it_to_it(
    cn, items, separators, time_first
):
    from credit.monitoring.hj212 import _common_data_area, _general_data_area

    parts = [f"{code}-{field}={value}" for code, field, value in items]
    parts.insert(0 if time_first else len(parts), "DataTime=20260801080000")
    cp = parts[0] + "".join(sep + part for sep, part in zip(separators, parts[1:], strict=False))
    try:
        general: object = _general_data_area(cn, cp)
    except PacketError as exc:
        general = exc.reason
    common = _common_data_area(cn, cp)
    assert common is None or common == general
    # the shape nearly every device sends takes the common path
    fields = {"2011": {"Rtd"}}.get(cn, {"Avg", "Min", "Max", "Cou"})
    keys = [(c, f) for c, f, _ in items]
    typical = (
        time_first
        and items
        and len(set(keys)) == len(keys)
        and all(f in fields or (f == "Flag" and v != "X") for _, f, v in items)
        and all(v != "9e999" for _, _, v in items)
        and {c for c, f, _ in items if f == "Flag"} <= {c for c, f, _ in items if f != "Flag"}
    )
    if typical:
        assert common is not None and common == general
