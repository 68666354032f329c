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

// GET `metricsUrl` (a node's /metrics) and return the value of the first
// sample line that starts with `linePrefix`, e.g.
// `farmchat_connections_closed_total{node="n",reason="timeout"} `; 0 when none does.
qint64 metricSample(const QUrl &metricsUrl, const QByteArray &linePrefix);

// The first sample of `name` whose labels contain `label` (e.g. reason="gap";
// empty: any labels); 0 when none does.
qint64 labelledMetric(const QUrl &metricsUrl, const QByteArray &name, const QByteArray &label = {});

// The sample of `name` for one node and one reason, e.g.
// farmchat_connections_closed_total{node="node-9090",reason="timeout"}.
qint64 reasonMetric(const QUrl &metricsUrl, const QByteArray &name, const QByteArray &nodeId,
    const QByteArray &reason);

// What is wrong with `healthUrl` (a node's /health): empty when it answers
// 200 with status "ok", else the status or error it gave.
QString healthProblem(const QUrl &healthUrl, int timeoutMs = 5000);

// GET `messagesUrl` (a node's /rooms/{room}/messages): the texts, oldest first.
QList<QByteArray> messageTexts(const QUrl &messagesUrl);

// Sends raw bytes to 127.0.0.1:port and returns what came back until the
// peer closed or timeoutMs passed: for malformed requests QNetworkAccessManager
// would refuse to send.
QByteArray rawExchange(quint16 port, const QByteArray &bytes, int timeoutMs = 3000);

} // namespace farmchat::test
