"""``python -m bot.tools.deploy [MODEL]``: switch the running Rasa server(s) to a newly trained
model without a restart; conversations in progress carry on (they live in the tracker store).

Uses RASA_URL and RASA_API_TOKEN (after ``make run``: the one in var/secrets.env). With several
replicas, ``RASA_URLS`` lists them (comma-separated, as ``make cluster`` prints them): the model
rolls across them one at a time, each checked before the next, so that the others keep serving
while one loads.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import List, Optional

from bot.handoff.rasa_client import RasaConversationControl
from bot.settings import PROJECT_ROOT, load_settings

#: How long a server may take to report its model after loading it.
STATUS_TIMEOUT_SECONDS = 60.0


async def roll_out(urls: List[str], token: str, model: Path) -> List[str]:
    """Load ``model`` on each server in turn; the model file each one reports afterwards.

    Raises:
        RuntimeError: a server refused or did not answer; the ones after it keep their model.
    """
    live = []
    for url in urls:
        # A server that just loaded a model may take a while to answer on a busy machine.
        control = RasaConversationControl(url, token, timeout=STATUS_TIMEOUT_SECONDS)
        await control.load_model(str(model.resolve()))
        status = await control.status()
        live.append(str(status.get("model_file")))
    return live


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    model = Path(args[0]) if args else PROJECT_ROOT / "models" / "current.tar.gz"
    if not model.exists():
        print(f"no model at {model}: run make train", file=sys.stderr)
        return 1
    settings = load_settings()
    urls = [u.strip() for u in (os.environ.get("RASA_URLS") or "").split(",") if u.strip()] \
        or [settings.handoff.rasa_url]
    try:
        live = asyncio.run(roll_out(urls, settings.handoff.rasa_token, model))
    except (RuntimeError, OSError, asyncio.TimeoutError) as error:
        print(f"could not deploy: {error} (is every server running, and is RASA_API_TOKEN the"
              " one they were started with?)", file=sys.stderr)
        return 1
    for url, model_file in zip(urls, live):
        print(f"live model on {url}: {model_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
