#!/usr/bin/env python3
"""send.py - send one message with smtplib, as a small script does.

  send.py PORT [--user USER:PASSWORD] [--print]

A failure shows the way such scripts show it: an uncaught exception's
traceback, or with --print the common `print("Failed to send email:", e)`.
"""
import argparse
import smtplib
import sys
from email.message import EmailMessage


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("--user", help="USER:PASSWORD to log in with")
    p.add_argument("--print", action="store_true", help="print str(e)")
    args = p.parse_args()

    msg = EmailMessage()
    msg["From"] = "alerts@example.net"
    msg["To"] = "bob@example.org"
    msg["Subject"] = "Nightly report"
    msg.set_content("The nightly job finished.\n")
    try:
        with smtplib.SMTP("127.0.0.1", args.port, timeout=15) as s:
            if args.user:
                s.login(*args.user.split(":", 1))
            s.send_message(msg)
    except (smtplib.SMTPException, OSError) as e:
        if not args.print:
            raise
        print("Failed to send email:", e)
        return 1
    print("sent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
