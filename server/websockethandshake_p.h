#pragma once

#include "core/result.h"
#include "server/httprequest.h"
#include "server/httpresponse_p.h"

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

namespace farmchat {

// The server side of the WebSocket opening handshake (RFC 6455 section 4.2):
// judges an upgrade request HttpRequestParser parsed and writes the 101
// answer. HttpServer refuses bad upgrades with check(); the node's own
// connection layer writes answer() where QWebSocketServer answers today. No
// subprotocol and no extension is ever accepted: an offered
// permessage-deflate is declined by not answering it (RFC 7692 section 5).
class WebSocketHandshake
{
public:
    // The refusal of a request that is not a version-13 opening handshake
    // (4.2.1), naming the problem: 405 not GET; 400 without the websocket
    // Upgrade token, the upgrade Connection token, Host, or HTTP/1.1; 426
    // (with Sec-WebSocket-Version: 13) for another version; 400 when
    // Sec-WebSocket-Key is not 16 bytes in base64. nullopt when it is one.
    static std::optional<HttpResponse> check(const HttpRequest &request);

    // The whole 101 Switching Protocols response (4.2.2) to write before the
    // first frame, or check()'s refusal.
    static Result<QByteArray, HttpResponse> answer(const HttpRequest &request);

    // Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + the
    // RFC's GUID)) (4.2.2 step 5.4).
    static QByteArray acceptKey(QByteArrayView key);
};

} // namespace farmchat
