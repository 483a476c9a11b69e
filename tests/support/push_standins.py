"""Stand-ins for APNs (HTTP/2 over TLS, as aioapns speaks it) and FCM (HTTP v1
with its OAuth token endpoint), on 127.0.0.1. Keys and certificates are made
per test run; none is ever committed."""

import asyncio
import datetime
import ipaddress
import json
import ssl
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import jwt
import tornado.httpserver
import tornado.netutil
import tornado.web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC = "KEY123", "TEAM123", "com.example.salon"
FCM_PROJECT = "salon-test"
FCM_ACCESS_TOKEN = "fcm-access-for-tests"


def _pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


class _Pushes:
    """What both stand-ins share: what they received, and scripted answers."""

    def __init__(self):
        self.received: list[dict] = []  # accepted pushes
        self.attempts: list[str] = []  # every token asked for
        self.dead: set[str] = set()
        self.failures: list = []  # answers to give first, one per request
        self.always_fail = None
        self._changed = asyncio.Event()

    def scripted(self, token: str):
        self.attempts.append(token)
        if self.failures:
            return self.failures.pop(0)
        if self.always_fail is not None:
            return self.always_fail
        return "dead" if token in self.dead else None

    def accept(self, push: dict) -> None:
        self.received.append(push)
        self._changed.set()

    def to(self, token: str) -> list[dict]:
        return [push for push in self.received if push["token"] == token]


class ApnsStandIn(_Pushes):
    async def start(self, folder: Path) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.key_file = folder / "apns-key.p8"
        self.key_file.write_text(_pem(self.key))
        server_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "apns stand-in")])
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(server_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(server_key, hashes.SHA256()))
        self.ca_file = folder / "apns-ca.pem"
        self.ca_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        (folder / "apns-server.key").write_text(_pem(server_key))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.ca_file, folder / "apns-server.key")
        context.set_alpn_protocols(["h2"])
        self._server = await asyncio.get_running_loop().create_server(
            lambda: _Http2(self), "127.0.0.1", 0, ssl=context)
        self.url = f"https://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        self._server.close()

    def answer(self, headers: dict, body: bytes) -> tuple[int, dict | None]:
        token = headers[":path"].rsplit("/", 1)[-1]
        claims = jwt.decode(headers["authorization"].removeprefix("bearer "),
                            self.key.public_key(), algorithms=["ES256"])
        assert claims["iss"] == APNS_TEAM_ID and headers["apns-topic"] == APNS_TOPIC
        scripted = self.scripted(token)
        if scripted == "dead":
            return 410, {"reason": "Unregistered"}
        if scripted is not None:
            return scripted
        self.accept({"token": token, **json.loads(body)})
        return 200, None


def apns_throttled() -> tuple[int, dict]:
    return 429, {"reason": "TooManyRequests"}


APNS_UNAVAILABLE = (503, {"reason": "ServiceUnavailable"})


class _Http2(asyncio.Protocol):
    def __init__(self, standin: ApnsStandIn):
        self.standin = standin
        self.connection = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        self.streams: dict[int, tuple[dict, bytearray]] = {}

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.connection.initiate_connection()
        transport.write(self.connection.data_to_send())

    def data_received(self, data: bytes) -> None:
        for event in self.connection.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                self.streams[event.stream_id] = (dict(event.headers), bytearray())
            elif isinstance(event, h2.events.DataReceived):
                self.streams[event.stream_id][1].extend(event.data)
                self.connection.acknowledge_received_data(event.flow_controlled_length,
                                                          event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                headers, body = self.streams.pop(event.stream_id)
                status, reason = self.standin.answer(headers, bytes(body))
                self.connection.send_headers(
                    event.stream_id, [(":status", str(status)), ("apns-id", headers["apns-id"])],
                    end_stream=reason is None)
                if reason is not None:
                    self.connection.send_data(event.stream_id, json.dumps(reason).encode(),
                                              end_stream=True)
        self.transport.write(self.connection.data_to_send())


class FcmStandIn(_Pushes):
    async def start(self, folder: Path) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        app = tornado.web.Application([
            (r"/token", _FcmToken, {"standin": self}),
            (r"/v1/projects/([^/]+)/messages:send", _FcmSend, {"standin": self}),
        ])
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        self.service_account_file = folder / "fcm-service-account.json"
        self.service_account_file.write_text(json.dumps({
            "type": "service_account", "project_id": FCM_PROJECT, "private_key": _pem(self.key),
            "client_email": f"push@{FCM_PROJECT}.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": f"{self.url}/token"}))

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()


def fcm_throttled() -> tuple[int, dict]:
    return 429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}}


class _FcmToken(tornado.web.RequestHandler):
    def initialize(self, standin: FcmStandIn) -> None:
        self.standin = standin

    def post(self) -> None:
        claims = jwt.decode(self.get_argument("assertion"), self.standin.key.public_key(),
                            algorithms=["RS256"], options={"verify_aud": False})
        assert "firebase.messaging" in claims["scope"]
        self.finish({"access_token": FCM_ACCESS_TOKEN, "expires_in": 3600,
                     "token_type": "Bearer"})


class _FcmSend(tornado.web.RequestHandler):
    def initialize(self, standin: FcmStandIn) -> None:
        self.standin = standin

    def post(self, project: str) -> None:
        assert project == FCM_PROJECT
        assert self.request.headers["Authorization"] == f"Bearer {FCM_ACCESS_TOKEN}"
        message = json.loads(self.request.body)["message"]
        scripted = self.standin.scripted(message["token"])
        if scripted == "dead":
            status, body = 404, {"error": {"code": 404, "status": "NOT_FOUND",
                                           "details": [{"errorCode": "UNREGISTERED"}]}}
        elif scripted is not None:
            status, body = scripted
        else:
            self.standin.accept(message)
            status, body = 200, {"name": f"projects/{project}/messages/{len(self.standin.received)}"}
        self.set_status(status)
        self.finish(body)
