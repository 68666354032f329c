#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QUrl>

namespace farmchat::test {

struct HttpReply
{
    int status = 0; // 0: no HTTP answer (connection refused, timeout)
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    QString error;

    QByteArray header(const QByteArray &name) const;
};

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

// One HTTP request, waited for with a bounded local event loop (tests only).
HttpReply httpRequest(const QByteArray &method, const QUrl &url, const QByteArray &body = {},
                      const HttpHeaders &headers = {}, int timeoutMs = 5000);

// Sends raw bytes to 127.0.0.1:port and returns what came back until the
// peer closed or timeoutMs passed: for malformed requests QNetworkAccessManager
// would refuse to send.
QByteArray rawExchange(quint16 port, const QByteArray &bytes, int timeoutMs = 3000);

} // namespace farmchat::test
