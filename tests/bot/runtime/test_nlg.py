"""The bot's messages with the shop's profile filled in, in the conversation's language."""

from dataclasses import replace

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.nlg import ShopResponses
from bot.settings import ShopProfile, load_settings

DOMAIN = Domain.from_yaml("""
version: "3.1"
slots:
  language:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
responses:
  utter_greet:
  - condition: [{type: slot, name: language, value: fi}]
    text: "Hei! Olen {shop_name} -verkkokaupan avustaja. Puhelin: {opening_hours}."
  - text: "Hi! I'm the {shop_name} assistant. Call {shop_phone}, {opening_hours}."
  utter_return:
  - text: "Return within {return_window_days} days with {carriers}, like {order_number_example}."
  utter_order:
  - text: "Order {order_id} ({shop_name})"
""")


def generator():
    profile = ShopProfile(name="Tallgrass Supply Co.", phone="+46 8 555 010 20",
                          return_window_days=14, carriers=("PostNord", "Budbee"),
                          order_number_pattern=r"\d{7}", order_number_example="4410078")
    return ShopResponses(domain=DOMAIN, settings=replace(load_settings(env={}), profile=profile))


async def say(name, language=None, **kwargs):
    tracker = DialogueStateTracker.from_events("s", [SlotSet("language", language)],
                                               slots=DOMAIN.slots)
    return (await generator().generate(name, tracker, "rest", **kwargs))["text"]


async def test_the_profile_fills_every_language():
    assert await say("utter_greet") == \
        "Hi! I'm the Tallgrass Supply Co. assistant. Call +46 8 555 010 20, Mon–Fri 09:00–17:00."
    assert await say("utter_greet", "fi") == \
        "Hei! Olen Tallgrass Supply Co. -verkkokaupan avustaja. Puhelin: ma–pe 09:00–17:00."
    assert await say("utter_return", "fi") == \
        "Return within 14 days with PostNord ja Budbee, like 4410078."


async def test_an_actions_own_values_come_first():
    assert await say("utter_order", order_id="4410078", shop_name="x") == "Order 4410078 (x)"
