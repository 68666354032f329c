#include "server/httpresponse_p.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace farmchat {

HttpResponse HttpResponse::json(int status, const QJsonValue &value)
{
    QByteArray body;
    if (value.isArray())
        body = QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    else
        body = QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    return bytes(status, std::move(body), "application/json; charset=utf-8");
}

HttpResponse HttpResponse::error(int status, const QString &message)
{
    return json(status, QJsonObject {{QStringLiteral("error"), message}});
}

HttpResponse HttpResponse::bytes(int status, QByteArray body, QByteArray contentType)
{
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.setHeader("Content-Type", std::move(contentType));
    return r;
}

HttpResponse &HttpResponse::setHeader(QByteArray name, QByteArray value)
{
    for (auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0) {
            h.second = std::move(value);
            return *this;
        }
    }
    headers.append({std::move(name), std::move(value)});
    return *this;
}

QByteArray HttpResponse::header(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

QByteArray HttpResponse::serialize(bool keepAlive, bool headOnly) const
{
    QByteArray out;
    out.reserve(256 + (headOnly ? 0 : body.size()));
    out += "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    for (const auto &h : headers)
        out += h.first + ": " + h.second + "\r\n";
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    // The node's pages and answers are never to be sniffed or framed elsewhere.
    out += "X-Content-Type-Options: nosniff\r\n";
    if (header("Cache-Control").isEmpty())
        out += "Cache-Control: no-store\r\n";
    out += keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    out += "\r\n";
    if (!headOnly)
        out += body;
    return out;
}

QByteArray HttpResponse::reasonPhrase(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 421:
        return "Misdirected Request";
    case 426:
        return "Upgrade Required";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Status";
    }
}

} // namespace farmchat
