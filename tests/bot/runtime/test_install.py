import jsonschema
import pytest

import bot.runtime as runtime
from bot.runtime import PATCHED, RASA_VERSION, RasaVersionError, check_rasa_version, install


def test_install_patches_rasa_once_and_leaves_jsonschema_alone():
    original_validate = jsonschema.validate
    install()
    from rasa.core.actions.action import RemoteAction
    from rasa.utils.endpoints import EndpointConfig

    from bot.runtime import speedups

    request = EndpointConfig.request
    install()  # a second call changes nothing
    assert EndpointConfig.request is request is speedups.request
    assert RemoteAction._validate_action_result is speedups.validate_action_result
    assert jsonschema.validate is original_validate  # only Rasa's check of action results


def test_action_results_are_still_checked_after_install():
    install()
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [], "responses": []})
    with pytest.raises(jsonschema.ValidationError) as error:
        action._validate_action_result({"events": [{"event": "no_such_event"}]})
    assert "Failed to validate Action server response" in error.value.message


def test_another_rasa_version_is_refused_naming_every_patch():
    check_rasa_version(RASA_VERSION)
    with pytest.raises(RasaVersionError) as error:
        check_rasa_version("3.7.0")
    assert "3.7.0" in str(error.value)
    for name in PATCHED:
        assert name in str(error.value)
    assert runtime.__doc__ and all(name.split(".")[-1] in runtime.__doc__ for name in PATCHED)
