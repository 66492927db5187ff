"""A stand-in for portal-rpc that misbehaves on request: what the real one never does.

It answers initialize and shutdown as portal-rpc does and exits 0 on exit or end of input; it
ignores its command-line options. Other methods:

    crash      writes a reason to stderr and exits with status 7, without answering
    hang       never answers, until $/cancelRequest names it: then -32800
    cancelled  answers the ids that $/cancelRequest named so far
    any other  answers with the exact line it received
"""

import json
import sys


def answer(request_id: object, result: object = None, error: object = None) -> None:
    """Write one response line."""
    body = {"error": error} if error else {"result": result}
    print(json.dumps({"jsonrpc": "2.0", "id": request_id, **body}), flush=True)


def main() -> int:
    """Serve stdin until exit or end of input; the exit status."""
    cancelled = []
    for line in sys.stdin:
        message = json.loads(line)
        method, request_id = message["method"], message.get("id")
        if method == "exit":
            return 0
        if method == "$/cancelRequest":
            cancelled.append(message["params"][0])
            answer(message["params"][0], error={"code": -32800, "message": "Request cancelled"})
        elif method == "crash":
            print("fake_server: crashing as asked", file=sys.stderr, flush=True)
            return 7
        elif method == "cancelled":
            answer(request_id, cancelled)
        elif method in ("initialize", "shutdown"):
            answer(request_id, {"protocolVersion": "1.0"} if method == "initialize" else None)
        elif method != "hang":
            answer(request_id, line.rstrip("\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
