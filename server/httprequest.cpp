#include "server/httprequest.h"

namespace farmchat {

QByteArray HttpRequest::header(QByteArrayView lowerName) const
{
    for (const auto &h : headers) {
        if (h.first == lowerName)
            return h.second;
    }
    return {};
}

bool HttpRequest::hasHeader(QByteArrayView lowerName) const
{
    for (const auto &h : headers) {
        if (h.first == lowerName)
            return true;
    }
    return false;
}

bool HttpRequest::headerHasToken(QByteArrayView lowerName, QByteArrayView token) const
{
    for (const auto &h : headers) {
        if (h.first != lowerName)
            continue;
        for (const QByteArray &part : h.second.split(',')) {
            if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
                return true;
        }
    }
    return false;
}

bool HttpRequest::wantsKeepAlive() const
{
    if (headerHasToken("connection", "close"))
        return false;
    if (versionMinor == 0)
        return headerHasToken("connection", "keep-alive");
    return true;
}

bool HttpRequest::isWebSocketUpgrade() const
{
    return headerHasToken("upgrade", "websocket") && headerHasToken("connection", "upgrade");
}

} // namespace farmchat
