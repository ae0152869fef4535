"""The staff portal (工作人员门户): static zh-CN pages that call the API with a staff token."""

from pathlib import Path

STATIC_DIR = Path(__file__).with_name("static")
