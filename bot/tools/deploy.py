"""``python -m bot.tools.deploy [MODEL]``: switch the running Rasa server to a newly trained
model without a restart; conversations in progress carry on (they live in the tracker store).
Uses RASA_URL and RASA_API_TOKEN (after ``make run``: the one in var/secrets.env)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import List, Optional

from bot.handoff.rasa_client import RasaConversationControl
from bot.settings import PROJECT_ROOT, load_settings


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    model = Path(args[0]) if args else PROJECT_ROOT / "models" / "current.tar.gz"
    if not model.exists():
        print(f"no model at {model}: run make train", file=sys.stderr)
        return 1
    settings = load_settings()
    control = RasaConversationControl(settings.handoff.rasa_url, settings.handoff.rasa_token)
    try:
        asyncio.run(control.load_model(str(model.resolve())))
        status = asyncio.run(control.status())
    except (RuntimeError, OSError) as error:
        print(f"could not deploy to {settings.handoff.rasa_url}: {error} (is the server"
              " running, and is RASA_API_TOKEN the one it was started with?)", file=sys.stderr)
        return 1
    print(f"live model: {status.get('model_file')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
