"""Runs a command agent, adding ``"network": "private"`` to its describe answer.

``python private.py COMMAND...``: the command runs unchanged inside the private network
stage, wherever the harness can make one (for comparing the two stages).
"""

import json
import subprocess
import sys

request = sys.stdin.buffer.read()
done = subprocess.run(sys.argv[1:], input=request, capture_output=True, check=False)
sys.stderr.buffer.write(done.stderr)
if json.loads(request).get("request") == "describe":
    answer = json.loads(done.stdout)
    answer["network"] = "private"
    sys.stdout.write(json.dumps(answer))
else:
    sys.stdout.buffer.write(done.stdout)
sys.exit(done.returncode)
