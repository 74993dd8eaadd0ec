#!/usr/bin/env bash
# Quick start: set up a virtual environment in .venv, install jiancha with its test tools, and
# render every bundled example into ./out. Safe to run again: it reinstalls and re-renders.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

J=.venv/bin/jiancha
echo "== 文书类型 =="
$J kinds
echo
echo "== 生成示例文书到 ./out =="
$J render 纪检监察建议书 examples/recommendation.yaml -o out --force
$J render 以案促改通知书 examples/reform_notice.csv -o out --force
$J render 澄清正名通报 examples/clarification_notice.yaml -o out --force
$J render 澄清说明 examples/clarification_letter.json -o out --force
echo
ls -1 out
