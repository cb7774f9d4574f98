"""Print pinned constraints (name==version) from a `pip install --dry-run --report` file, for the image."""
import json
import sys

HEADER = """\
# Every package the runtime image installs, pinned (requirements-runtime.txt and what it pulls in).
# Python 3.11. Regenerate after changing requirements-runtime.txt:
#   pip install --dry-run --ignore-installed --quiet --report /tmp/r.json -r requirements-runtime.txt
#   python -m deploy.constraints /tmp/r.json > deploy/constraints-runtime.txt
"""


def main(report_path: str) -> None:
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    pins = sorted((i["metadata"]["name"].lower().replace("_", "-"), i["metadata"]["version"]) for i in report["install"])
    sys.stdout.write(HEADER + "".join(f"{name}=={version}\n" for name, version in pins))


if __name__ == "__main__":
    main(sys.argv[1])
