#include "server/websockethandshake_p.h"

#include <QCryptographicHash>

namespace farmchat {

std::optional<HttpResponse> WebSocketHandshake::check(const HttpRequest &request)
{
    if (request.method != "GET")
        return HttpResponse::error(405, QStringLiteral("a WebSocket upgrade must use GET"))
            .setHeader("Allow", "GET");
    if (!request.headerHasToken("upgrade", "websocket"))
        return HttpResponse::error(
            400, QStringLiteral("a WebSocket upgrade needs the header Upgrade: websocket"));
    if (!request.headerHasToken("connection", "upgrade"))
        return HttpResponse::error(
            400, QStringLiteral("a WebSocket upgrade needs the header Connection: Upgrade"));
    if (request.header("sec-websocket-version") != "13")
        return HttpResponse::error(426, QStringLiteral("only WebSocket version 13 is supported"))
            .setHeader("Sec-WebSocket-Version", "13");
    const auto key = QByteArray::fromBase64Encoding(request.header("sec-websocket-key"));
    if (!key || key.decoded.size() != 16)
        return HttpResponse::error(
            400, QStringLiteral("Sec-WebSocket-Key must be 16 bytes in base64"));
    if (request.versionMinor < 1)
        return HttpResponse::error(
            400, QStringLiteral("a WebSocket upgrade needs HTTP/1.1 or later"));
    if (request.header("host").isEmpty())
        return HttpResponse::error(400, QStringLiteral("a WebSocket upgrade needs a Host header"));
    return std::nullopt;
}

Result<QByteArray, HttpResponse> WebSocketHandshake::answer(const HttpRequest &request)
{
    if (auto refusal = check(request))
        return Result<QByteArray, HttpResponse>::failure(std::move(*refusal));
    QByteArray response = "HTTP/1.1 101 Switching Protocols\r\n"
                          "Upgrade: websocket\r\n"
                          "Connection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: ";
    response += acceptKey(request.header("sec-websocket-key"));
    response += "\r\n\r\n";
    return response;
}

QByteArray WebSocketHandshake::acceptKey(QByteArrayView key)
{
    QCryptographicHash sha1(QCryptographicHash::Sha1);
    sha1.addData(key);
    sha1.addData(QByteArrayView("258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
    return sha1.result().toBase64();
}

} // namespace farmchat
