"""Container health check: exit 0 when Streamlit's health endpoint answers 200 on this machine's port."""
import os
import sys
import urllib.request

PORT = os.environ.get("STREAMLIT_SERVER_PORT", "8501")

try:
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/_stcore/health", timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError as exc:
    print(f"unhealthy: {exc}", file=sys.stderr)
    sys.exit(1)
