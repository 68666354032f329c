#include "tests/support/testhttp.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpSocket>
#include <QTimer>

#include <functional>
#include <memory>

namespace farmchat::test {

QByteArray HttpReply::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

HttpReply httpRequest(const QByteArray &method, const QUrl &url, const QByteArray &body,
    const HttpHeaders &headers, int timeoutMs)
{
    QNetworkAccessManager manager;
    QNetworkRequest request(url);
    request.setAttribute(
        QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    for (const auto &h : headers)
        request.setRawHeader(h.first, h.second);
    const std::unique_ptr<QNetworkReply> reply(manager.sendCustomRequest(request, method, body));
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    if (!reply->isFinished())
        loop.exec();
    HttpReply result;
    if (!reply->isFinished()) {
        reply->abort();
        result.error = QStringLiteral("timed out after %1 ms").arg(timeoutMs);
    } else {
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.body = reply->readAll();
        result.headers = reply->rawHeaderPairs();
        if (result.status == 0)
            result.error = reply->errorString();
    }
    return result;
}

namespace {

// The value of the first sample line of `metricsUrl` that `matches`; 0 if none.
qint64 firstSample(const QUrl &metricsUrl, const std::function<bool(const QByteArray &)> &matches)
{
    const HttpReply reply = httpRequest("GET", metricsUrl);
    for (const QByteArray &line : reply.body.split('\n')) {
        if (matches(line))
            return line.mid(line.lastIndexOf(' ') + 1).toLongLong();
    }
    return 0;
}

} // namespace

qint64 metricSample(const QUrl &metricsUrl, const QByteArray &linePrefix)
{
    return firstSample(
        metricsUrl, [&](const QByteArray &line) { return line.startsWith(linePrefix); });
}

qint64 labelledMetric(const QUrl &metricsUrl, const QByteArray &name, const QByteArray &label)
{
    const QByteArray start = name + '{';
    return firstSample(metricsUrl, [&](const QByteArray &line) {
        return line.startsWith(start) && (label.isEmpty() || line.contains(label));
    });
}

qint64 reasonMetric(const QUrl &metricsUrl, const QByteArray &name, const QByteArray &nodeId,
    const QByteArray &reason)
{
    return metricSample(metricsUrl, name + "{node=\"" + nodeId + "\",reason=\"" + reason + "\"} ");
}

QString healthProblem(const QUrl &healthUrl, int timeoutMs)
{
    const HttpReply reply = httpRequest("GET", healthUrl, {}, {}, timeoutMs);
    if (reply.status != 200)
        return QStringLiteral("/health answered %1 %2").arg(reply.status).arg(reply.error);
    const QString status = QJsonDocument::fromJson(reply.body).object().value(u"status").toString();
    if (status != u"ok")
        return QStringLiteral("/health says status '%1'").arg(status);
    return {};
}

QList<QByteArray> messageTexts(const QUrl &messagesUrl)
{
    const HttpReply reply = httpRequest("GET", messagesUrl);
    QList<QByteArray> texts;
    for (const QJsonValue &message : QJsonDocument::fromJson(reply.body).array())
        texts << message.toObject().value(u"text").toString().toUtf8();
    return texts;
}

QByteArray rawExchange(quint16 port, const QByteArray &bytes, int timeoutMs)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(timeoutMs))
        return {};
    socket.write(bytes);
    QByteArray answer;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs && socket.state() == QAbstractSocket::ConnectedState) {
        if (socket.waitForReadyRead(int(qMax<qint64>(1, timeoutMs - clock.elapsed()))))
            answer += socket.readAll();
    }
    answer += socket.readAll();
    return answer;
}

} // namespace farmchat::test
