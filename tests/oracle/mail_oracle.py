#!/usr/bin/env python3
"""Compares deskd's email parser with Python's email package over tests/data/mail/.

Python's `email` (policy.default, standard library only) is the oracle: for
each .eml file, build/mail_dump prints what mail_parse makes of it and this
script reads the same bytes with `email` and compares, field by field, what a
person reading the message checks: subject, From, To, Cc, Message-ID, the body
text, the HTML body, the files listed and the inline images the HTML shows.

deskd differs from Python on purpose in a few ways, normalised here:
- the text is the text/plain body (`get_body(("plain",))`); without one, deskd
  converts the HTML to text, so only the HTML is compared then;
- lines end in "\\n" and lose trailing white space, the text loses trailing
  blank lines, control characters and byte order marks are dropped;
- format=flowed text has its soft line breaks joined (RFC 3676);
- addresses are lower-case, file names lose directories;
- an inline part the HTML names by `cid:` is stored but not listed as a file.
Anything else that differs is a failure, unless KNOWN names it for that file
and field with the reason; a known difference that no longer differs is a
failure too, so the list cannot go stale. Every difference is printed.

Run from the repository root after `make build/mail_dump`. Ends with
"mail-oracle: N passed, N failed" (one per file).
"""
import email
import email.policy
import hashlib
import json
import os
import re
import subprocess
import sys
import unicodedata
import urllib.parse

CORPUS = "tests/data/mail"
DUMP = os.environ.get("DESKD_MAIL_DUMP", "build/mail_dump")

# (file, field) -> why deskd reads it differently from Python, on purpose.
# deskd repairs what Python reads as the message claims: see parse.h and the unit tests.
RAW_SJIS = "raw 8-bit Shift_JIS in a header: deskd tries the body's charset, Python cannot know it"
LYING = "labelled one charset, written in another: deskd reads what the bytes are"
UNLABELLED = "8-bit text without a charset: deskd tries UTF-8 and its fallbacks, Python US-ASCII"
PY_2231 = "Python raises on ISO-2022-JP split across RFC 2231 continuations"
SPLIT = ("text parts without a name around an inline file (Apple Mail): deskd joins them into "
         "the body, Python takes the first and lists the rest as unnamed files")
KNOWN = {
    ("bounce-postfix.eml", "from"):
        "deskd takes the comment of 'addr (Name)' as the display name, Python drops it",
    ("charset-iso-2022-jp-mislabelled.eml", "subject"): LYING,
    ("charset-iso-2022-jp-mislabelled.eml", "text"): LYING,
    ("ew-split.eml", "from"):
        "a character split across two encoded words: deskd joins their bytes, Python each word",
    ("ew-wrong-charset.eml", "subject"): LYING,
    ("ew-wrong-charset.eml", "from"): LYING,
    ("header-8bit-sjis-fallback.eml", "subject"): RAW_SJIS,
    ("header-8bit-sjis.eml", "subject"): RAW_SJIS,
    ("header-8bit-sjis.eml", "from"): RAW_SJIS,
    ("header-raw-iso-2022-jp.eml", "subject"):
        "ISO-2022-JP escapes without an encoded word: deskd decodes them, Python keeps them",
    ("html-only-meta-charset.eml", "html"):
        "HTML without a charset parameter: deskd reads its <meta> charset, Python US-ASCII",
    ("inline-text-split.eml", "text"): SPLIT,
    ("inline-text-split.eml", "files"): SPLIT,
    ("lying-charset.eml", "subject"): LYING,
    ("lying-charset.eml", "text"): LYING,
    ("multipart-no-boundary.eml", "text"):
        "multipart without a boundary: deskd shows its text, Python has no body",
    ("multipart-no-boundary.eml", "files"):
        "multipart without a boundary: Python lists the multipart itself as a file",
    ("no-content-type-utf8.eml", "text"): UNLABELLED,
    ("rfc2231-filenames.eml", "text"): PY_2231,
    ("rfc2231-filenames.eml", "html"): PY_2231,
    ("rfc2231-filenames.eml", "files"): PY_2231,
    ("rfc2231-filenames.eml", "inline"): PY_2231,
    ("unlabelled-latin1.eml", "text"): UNLABELLED,
    ("unlabelled-sjis.eml", "text"): UNLABELLED,
}

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")
CID = re.compile(r"cid:([^\"'\s)>]+)", re.I)


def norm(v):
    """Unicode NFC over every string in v: the same text, however a charset composes it.

    Raw 8-bit header bytes, which Python keeps as surrogate escapes, are read as
    UTF-8 when they are UTF-8 (RFC 6532)."""
    if isinstance(v, str):
        if re.search("[\udc80-\udcff]", v):
            try:
                v = v.encode("utf-8", "surrogateescape").decode("utf-8")
            except UnicodeError:
                pass
        return unicodedata.normalize("NFC", v)
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    return v


def text_norm(s):
    """The text as deskd promises to store it: "\\n" lines, no trailing white space."""
    if s is None:
        return None
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = CONTROL.sub(lambda m: "" if m.group() != "\t" else "\t", s)
    lines = (line if line == "-- " else line.rstrip() for line in s.split("\n"))
    return norm("\n".join(lines).rstrip())


def unflow(s, delsp):
    """RFC 3676: a line ending in a space (but the signature mark) goes on in the next."""
    out, joining, prev = [], False, -1
    for line in s.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        if body.startswith(" "):
            body = body[1:]  # space-stuffing
        soft = body.endswith(" ") and body != "-- "
        if soft and delsp:
            body = body[:-1]
        if joining and depth == prev:
            out[-1] += body
        else:
            out.append((">" * depth + " " if depth else "") + body)
        joining, prev = soft, depth
    return "\n".join(out)


def address(a):
    return {"name": a.display_name or None, "email": a.addr_spec.lower() or None}


def addresses(msg, name):
    out = []
    for h in msg.get_all(name, []):
        out.extend(address(a) for a in getattr(h, "addresses", ()))
    return out


def message_id(msg):
    v = msg.get("message-id")
    if v is None:
        return None
    v = str(v).strip()
    m = re.search(r"<([^<>]*)>", v)
    return (m.group(1) if m else v).strip() or None


def content(part):
    try:
        return part.get_content()
    except (LookupError, ValueError, AssertionError, KeyError):
        # an unknown charset: Python's own fallback, the bytes as Latin-1
        return part.get_payload(decode=True).decode("latin-1")


def filename(part):
    name = part.get_filename()
    if name is None:
        return None
    name = re.split(r"[/\\]", str(name))[-1]
    name = CONTROL.sub("", name).replace("\t", " ").strip()
    return name or None


def leaves(part):
    """Every part that is not a multipart, in message order; attached messages stay whole."""
    if part.get_content_maintype() == "multipart" and part.is_multipart():
        for sub in part.iter_parts():
            yield from leaves(sub)
    else:
        yield part


def cids_shown(html):
    return {urllib.parse.unquote(ref) for ref in CID.findall(html or "")}


def python_error(e):
    return "python cannot read it: %s: %s" % (type(e).__name__, e)


def python_view(raw):
    """What Python reads; a field Python fails on holds the error, which differs from deskd."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    view = {}
    for field, read in (("subject", lambda: str(msg.get("subject", "")).strip()),
                        ("from", lambda: (addresses(msg, "from") or
                                          [{"name": None, "email": None}])[0]),
                        ("to", lambda: addresses(msg, "to")),
                        ("cc", lambda: addresses(msg, "cc")),
                        ("message_id", lambda: message_id(msg))):
        try:
            view[field] = norm(read())
        except Exception as e:  # pylint: disable=broad-except
            view[field] = python_error(e)
    try:
        body_and_files(msg, view)
    except Exception as e:  # pylint: disable=broad-except
        for field in ("text", "html", "files", "inline"):
            view[field] = python_error(e)
    return view


def body_and_files(msg, view):
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    view["html"] = text_norm(content(html)) if html is not None else None
    if plain is not None:
        text = content(plain)
        if plain.get_param("format", "").lower() == "flowed":
            text = unflow(text, plain.get_param("delsp", "").lower() == "yes")
        # a blank plain part: deskd shows the HTML as text, compared through the HTML
        if text_norm(text) or html is None:
            view["text"] = text_norm(text)
    elif html is None:
        view["text"] = ""
    shown = cids_shown(view["html"])
    files, inline = [], []
    for part in leaves(msg):
        if part is plain or part is html:
            continue
        cid = message_id_of(part.get("content-id"))
        entry = [norm(filename(part)), part.get_content_type()]
        if part.get_content_maintype() != "message":
            entry.append(hashlib.sha256(part.get_payload(decode=True) or b"").hexdigest())
        (inline if cid and cid in shown else files).append(entry)
    view["files"], view["inline"] = files, inline


def message_id_of(v):
    if v is None:
        return None
    m = re.search(r"<([^<>]*)>", str(v))
    return (m.group(1) if m else str(v)).strip() or None


def deskd_view(d, python_has_plain):
    view = norm({k: d[k] for k in ("subject", "from", "to", "cc", "message_id")})
    view["html"] = text_norm(d["html"])
    # without a plain body deskd's text is its HTML as text: compared through the HTML
    if python_has_plain or d["html"] is None:
        view["text"] = norm(d["text"])
    files, inline = [], []
    for a in d["attachments"]:
        entry = [norm(a["filename"]), a["content_type"]]
        if not a["content_type"].startswith("message/"):
            entry.append(a["sha256"])
        (inline if a["inline"] else files).append(entry)
    view["files"], view["inline"] = files, inline
    return view


def compare(name, mine, theirs):
    """Prints every difference; returns the number that are failures."""
    failures = 0
    for field in ("subject", "from", "to", "cc", "message_id", "text", "html", "files",
                  "inline"):
        a, b = mine.get(field), theirs.get(field)
        known = KNOWN.get((name, field))
        if a == b:
            if known:
                print("%s: %s: listed as known (%s) but now the same" % (name, field, known))
                failures += 1
            continue
        print("%s: %s differs%s" % (name, field, " (known: %s)" % known if known else ""))
        print("  deskd:  %s" % json.dumps(a, ensure_ascii=False))
        print("  python: %s" % json.dumps(b, ensure_ascii=False))
        if not known:
            failures += 1
    return failures


def main():
    files = sorted(f for f in os.listdir(CORPUS) if f.endswith(".eml"))
    out = subprocess.run([DUMP] + [os.path.join(CORPUS, f) for f in files],
                         capture_output=True, check=False)
    sys.stderr.write(out.stderr.decode(errors="replace"))
    dumps = {os.path.basename(d["file"]): d
             for d in map(json.loads, out.stdout.decode().splitlines())}
    for (name, field) in KNOWN:
        if name not in files:
            print("%s: listed as known for %s but not in the corpus" % (name, field))
    passed = failed = 0
    for name in files:
        d = dumps.get(name)
        if d is None or "error" in d:
            print("%s: deskd did not parse it: %s" % (name, d and d["error"]))
            failed += 1
            continue
        with open(os.path.join(CORPUS, name), "rb") as f:
            raw = f.read()
        theirs = python_view(raw)
        if compare(name, deskd_view(d, "text" in theirs), theirs):
            failed += 1
        else:
            passed += 1
    stale = [k for k in KNOWN if k[0] not in files]
    failed += len(stale)
    print("mail-oracle: %d passed, %d failed" % (passed, failed))
    return 1 if failed or out.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
