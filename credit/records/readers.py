"""Read import files: CSV (UTF-8, UTF-8 with BOM, GB18030/GBK), JSON Lines and XLSX."""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.messages import msg

Row = tuple[int, dict[str, Any]]
MAX_FIELD = 1_000_000


class ReadError(ValueError):
    """The file as a whole cannot be read (wrong format, encoding, broken XLSX)."""


def detect_format(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04") or suffix == ".xlsx":
        return "xlsx"
    if suffix in {".jsonl", ".ndjson", ".json"} or head.lstrip().startswith(b"{"):
        return "jsonl"
    return "csv"


def decode(data: bytes, encoding: str | None) -> str:
    """Bytes to text: the given encoding, else UTF-8 (BOM or not), else a detected one."""
    if encoding:
        try:
            codecs.lookup(encoding)
            return data.decode(encoding)
        except LookupError:
            raise ReadError(msg("未知编码 %(encoding)s", encoding=encoding)) from None
        except UnicodeDecodeError as exc:
            raise ReadError(
                msg("文件不是 %(encoding)s 编码（第 %(at)s 字节）", encoding=encoding, at=exc.start)
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # imports need it; web workers mostly do not

    best = from_bytes(data[:200_000]).best()
    guess = (best.encoding if best else "gb18030").replace("_", "")
    if guess in {"gb2312", "gbk", "big5", "cp936", "hz"} or not best:
        guess = "gb18030"  # a superset of GBK/GB2312, what government systems export
    try:
        return data.decode(guess)
    except (UnicodeDecodeError, LookupError):
        raise ReadError(
            "无法识别文件编码，请用 --encoding 指定（如 gb18030）/ cannot tell the "
            "file's encoding; give it with --encoding (e.g. gb18030)"
        ) from None


def _header(names: list[Any]) -> list[str]:
    return [str(n or "").replace("\ufeff", "").strip() for n in names]


def read_csv(text: str) -> Iterator[Row]:
    csv.field_size_limit(MAX_FIELD)
    sample = text[:4096]
    dialect: Any = csv.excel
    if sample.count("\t") > sample.count(","):
        dialect = csv.excel_tab
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = _header(next(reader))
    except StopIteration:
        return
    except csv.Error as exc:
        raise ReadError(msg("CSV 格式错误：%(problem)s", problem=str(exc))) from None
    if not any(header):
        raise ReadError(msg("第一行应为字段名"))
    try:
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            yield number, dict(zip(header, values, strict=False))
    except csv.Error as exc:
        raise ReadError(
            msg("CSV 第 %(n)s 行格式错误：%(problem)s", n=reader.line_num, problem=str(exc))
        ) from None


def read_jsonl(text: str) -> Iterator[Row]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ReadError(
                msg("第 %(n)s 行不是有效的 JSON：%(problem)s", n=number, problem=exc.msg)
            ) from None
        if not isinstance(value, dict):
            raise ReadError(msg("第 %(n)s 行应为 JSON 对象", n=number))
        yield (
            number,
            {
                str(k): ""
                if v is None
                else v
                if isinstance(v, str)
                else json.dumps(v, ensure_ascii=False)
                if isinstance(v, list | dict)
                else str(v)
                for k, v in value.items()
            },
        )


def read_xlsx(data: bytes) -> Iterator[Row]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ReadError(msg("无法读取 XLSX 文件：%(problem)s", problem=str(exc))) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = _header(list(next(rows, [])))
        for number, values in enumerate(rows, start=2):
            if not any(v not in (None, "") for v in values):
                continue
            yield number, {h: _cell(v) for h, v in zip(header, values, strict=False) if h}
    finally:
        book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and hasattr(value, "hour"):
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_file(path: Path, encoding: str | None = None) -> Iterator[Row]:
    """Rows of ``path`` as (row number, {column: text}); ReadError for unreadable files."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(
            msg("无法打开文件 %(path)s：%(problem)s", path=str(path), problem=exc.strerror)
        ) from None
    kind = detect_format(path, data[:64])
    if kind == "xlsx":
        return read_xlsx(data)
    text = decode(data, encoding)
    return read_jsonl(text) if kind == "jsonl" else read_csv(text)
