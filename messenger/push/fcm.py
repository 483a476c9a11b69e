"""FCM through pyfcm's HTTP v1 API, with a service-account file."""

import requests
from pyfcm import FCMNotification
from pyfcm.errors import (
    AuthenticationError,
    FCMNotRegisteredError,
    FCMSenderIdMismatchError,
    FCMServerError,
    InvalidDataError,
)

from messenger.push.providers import Outcome, Push, Result

SEND_TIMEOUT_S = 30


class FcmProvider:
    name = "FCM"

    def __init__(self, service_account_file: str, project_id: str = "", server_url: str = ""):
        notifier = FCMNotification
        if server_url:  # another FCM endpoint, e.g. a stand-in in tests
            notifier = type("ConfiguredFCM", (FCMNotification,),
                            {"FCM_END_POINT_BASE": server_url.rstrip("/") + "/v1/projects"})
        self._fcm = notifier(service_account_file=service_account_file,
                             project_id=project_id or None)

    def send(self, token: str, push: Push) -> Result:
        try:
            self._fcm.notify(
                fcm_token=token, notification_title=push.title, notification_body=push.body,
                data_payload={"chat_id": push.chat_id, "message_id": push.message_id,
                              "badge": str(push.badge)},
                android_config={"notification": {"notification_count": push.badge,
                                                  "tag": push.chat_id}},
                timeout=SEND_TIMEOUT_S)
        except FCMNotRegisteredError as error:  # 404: UNREGISTERED or NOT_FOUND
            return Result(Outcome.DEAD, str(error))
        except InvalidDataError as error:
            # 400 INVALID_ARGUMENT names a malformed token; other 400s are ours.
            dead = "registration token" in str(error).lower()
            return Result(Outcome.DEAD if dead else Outcome.FAILED, str(error))
        except (FCMServerError, requests.RequestException) as error:  # 429, 5xx, network
            return Result(Outcome.RETRY, str(error))
        except (AuthenticationError, FCMSenderIdMismatchError) as error:
            return Result(Outcome.FAILED, str(error))
        except Exception as error:  # e.g. the OAuth token could not be had: try again
            return Result(Outcome.RETRY, type(error).__name__)
        return Result(Outcome.SENT)

    def close(self) -> None:
        pass
