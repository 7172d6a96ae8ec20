#!/usr/bin/env python3
"""Helpers for bench/mail.sh: the email corpus, the mailgate driver, the count.

  mail.py corpus DIR N [SEED]    writes N .eml files (000001.eml ...) to DIR
  mail.py gate DESKD DIR P SECS -- ARGS...
                                 pipes every file of DIR into `DESKD mailgate ARGS`,
                                 P processes at once, stopping new ones after SECS
  mail.py count DB               emails stored in the SQLite database DB

The mix: 40% plain English, 20% Japanese (half ISO-2022-JP, half UTF-8), 20%
Korean (half EUC-KR, half UTF-8), 20% multipart/mixed with a 50-200 KB PDF- or
PNG-like attachment; 2-8 KB of text each, unique Message-IDs, and a quarter of
them replies (In-Reply-To and References) to an earlier one from the same sender.
Only the Python standard library is used.
"""
import concurrent.futures
import os
import random
import sqlite3
import subprocess
import sys
import time
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.header import Header
from email.utils import format_datetime, formataddr
import datetime

EN_WORDS = (
    "order refund invoice account password login shipping delivery package "
    "tracking number payment card charged twice subscription cancel upgrade plan "
    "error message screen app update version browser cannot open file export "
    "report please help urgent thanks hello team support customer service week "
    "yesterday today morning still waiting reply email phone call address change "
    "billing receipt discount code coupon warranty broken damaged replacement "
    "return label store online website checkout cart item size color missing"
).split()
JA_SENTENCES = [
    "お世話になっております。", "先日注文した商品がまだ届いておりません。",
    "注文番号をお知らせしますので、配送状況をご確認いただけますでしょうか。",
    "請求書の金額が見積もりと異なっているようです。", "ログインできなくなりました。",
    "パスワードを再設定するメールが届きません。", "返品の手続きについて教えてください。",
    "商品の箱が破損しておりました。", "至急ご対応いただけますと幸いです。",
    "アプリを最新版に更新したところ、エラーが表示されるようになりました。",
    "領収書の再発行をお願いできますか。", "解約の方法を教えていただけますか。",
    "引き続きよろしくお願いいたします。", "ご確認のほど、よろしくお願い申し上げます。",
    "クレジットカードで二重に請求されています。", "配送先の住所を変更したいです。",
]
KO_SENTENCES = [
    "안녕하세요.", "지난주에 주문한 상품이 아직 도착하지 않았습니다.",
    "주문 번호를 알려드리니 배송 상태를 확인해 주시겠어요?",
    "청구서 금액이 견적과 다른 것 같습니다.", "로그인이 되지 않습니다.",
    "비밀번호 재설정 메일이 오지 않습니다.", "반품 절차를 알려 주세요.",
    "상품 상자가 파손되어 있었습니다.", "빠른 답변 부탁드립니다.",
    "앱을 업데이트한 후 오류 메시지가 나타납니다.", "영수증을 다시 발급해 주실 수 있나요?",
    "구독을 해지하는 방법을 알려 주세요.", "감사합니다.",
    "신용카드로 두 번 결제되었습니다.", "배송 주소를 변경하고 싶습니다.",
]
SUBJECTS = {
    "en": ["Order not delivered", "Refund request", "Cannot log in", "Invoice question",
           "App crashes after update", "Wrong item received", "Cancel my subscription"],
    "ja": ["配送について", "返金のお願い", "ログインできません", "請求書について", "解約について"],
    "ko": ["배송 문의", "환불 요청", "로그인 문제", "청구서 문의", "구독 해지"],
}


def english(rng, size):
    out, n = [], 0
    while n < size:
        words = rng.choices(EN_WORDS, k=rng.randint(8, 20))
        s = " ".join(words).capitalize() + ". "
        if rng.random() < 0.15:
            s += "\n\n"
        out.append(s)
        n += len(s)
    return "".join(out)


def sentences(rng, pool, size):
    out, n = [], 0
    while n < size:
        s = rng.choice(pool) + ("\n" if rng.random() < 0.3 else "")
        out.append(s)
        n += len(s.encode())
    return "".join(out)


def text_part(rng, lang, body):
    # ISO-2022-JP and EUC-KR for half of the Asian mail, as many mail clients still send
    charset = "us-ascii" if lang == "en" else "utf-8"
    if lang == "ja" and rng.random() < 0.5:
        charset = "iso-2022-jp"
    elif lang == "ko" and rng.random() < 0.5:
        charset = "euc-kr"
    return MIMEText(body, "plain", charset), charset


def attachment(rng):
    size = rng.randint(50_000, 200_000)
    if rng.random() < 0.5:
        data = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + rng.randbytes(size)
        part = MIMEApplication(data, "pdf")
        name = "invoice-%d.pdf" % rng.randint(1000, 9999)
    else:
        data = b"\x89PNG\r\n\x1a\n" + rng.randbytes(size)
        part = MIMEImage(data, "png")
        name = "screenshot-%d.png" % rng.randint(1000, 9999)
    part.add_header("Content-Disposition", "attachment", filename=name)
    return part


def corpus(folder, n, seed=1):
    rng = random.Random(seed)
    os.makedirs(folder, exist_ok=True)
    senders = ["customer%d@mail%d.example" % (i, i % 37) for i in range(max(50, n // 10))]
    sent = []  # (message-id, sender, subject, lang)
    start = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
    counts = {}
    for i in range(1, n + 1):
        r = rng.random()
        kind = "en" if r < 0.4 else "ja" if r < 0.6 else "ko" if r < 0.8 else "multipart"
        lang = kind if kind != "multipart" else rng.choice(["en", "en", "ja", "ko"])
        parent = rng.choice(sent[-500:]) if sent and rng.random() < 0.25 else None
        if parent:
            _, sender, subject, lang = parent
            subject = subject if subject.startswith("Re: ") else "Re: " + subject
        else:
            sender = rng.choice(senders)
            subject = rng.choice(SUBJECTS[lang])
        size = rng.randint(2048, 8192)
        if lang == "en":
            body = english(rng, size)
        else:
            body = sentences(rng, JA_SENTENCES if lang == "ja" else KO_SENTENCES, size)
        if parent:
            body += "\n\nOn an earlier day, support wrote:\n> Thank you for your message.\n> "
        part, charset = text_part(rng, lang, body)
        if kind == "multipart":
            msg = MIMEMultipart("mixed")
            msg.attach(part)
            msg.attach(attachment(rng))
        else:
            msg = part
        mid = "<bench-%d-%d.%x@mail.example>" % (seed, i, rng.getrandbits(32))
        name = sender.split("@")[0].replace("customer", "Customer ")
        msg["From"] = formataddr((name, sender))
        msg["To"] = "support@deskd.example"
        msg["Subject"] = Header(subject, charset)
        msg["Date"] = format_datetime(start + datetime.timedelta(seconds=37 * i))
        msg["Message-ID"] = mid
        if parent:
            msg["In-Reply-To"] = parent[0]
            msg["References"] = parent[0]
        sent.append((mid, sender, subject, lang))
        key = "multipart" if kind == "multipart" else lang + "/" + charset
        counts[key] = counts.get(key, 0) + 1
        with open(os.path.join(folder, "%06d.eml" % i), "wb") as f:
            f.write(msg.as_bytes())
    replies = sum(1 for s in sent if s[2].startswith("Re: "))
    mix = ", ".join("%s %d" % kv for kv in sorted(counts.items()))
    print("corpus: %d emails (%s; %d replies)" % (n, mix, replies))


def gate(deskd, folder, parallel, seconds, args):
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".eml"))
    deadline = time.monotonic() + seconds

    def one(path):
        if time.monotonic() > deadline:
            return None
        t = time.monotonic()
        try:
            with open(path, "rb") as f:
                p = subprocess.run([deskd, "mailgate"] + args, stdin=f, timeout=60,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except (OSError, subprocess.TimeoutExpired) as e:
            return -1, time.monotonic() - t, str(e).encode()
        return p.returncode, time.monotonic() - t, p.stderr

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        results = [r for r in pool.map(one, files) if r is not None]
    elapsed = time.monotonic() - start
    status, errors = {}, []
    for rc, _, err in results:
        status[rc] = status.get(rc, 0) + 1
        if rc and len(errors) < 3:
            errors.append(err.decode(errors="replace").strip())
    lat = sorted(r[1] for r in results)
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else 0
    print("processes=%d parallel=%d seconds=%.1f rate=%.0f/s p50=%.1fms p99=%.1fms exit=%s"
          % (len(results), parallel, elapsed, len(results) / elapsed, pct(0.5), pct(0.99),
             ",".join("%d:%d" % kv for kv in sorted(status.items()))))
    for e in errors:
        print("  error: " + e)
    return 0 if len(results) == len(files) and set(status) == {0} else 1


def count(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    n = con.execute("SELECT count(*) FROM messages WHERE mail_id IS NOT NULL").fetchone()[0]
    print(n)


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "corpus":
        corpus(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    elif cmd == "gate" and "--" in sys.argv:
        k = sys.argv.index("--")
        deskd, folder, p, secs = sys.argv[2:k]
        sys.exit(gate(deskd, folder, int(p), float(secs), sys.argv[k + 1:]))
    elif cmd == "count":
        count(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
