#include "server/nodehttpapi_p.h"

#include "backplane/backplaneswitch.h"
#include "protocol/limits.h"
#include "protocol/version.h"
#include "redis/sentinelwatcher.h"
#include "server/chathub_p.h"
#include "server/connectiontokens.h"
#include "server/nodemetrics.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRegularExpression>

namespace farmchat {

Q_LOGGING_CATEGORY(lcHttpApi, "farmchat.node.admin", QtInfoMsg)

namespace {

HttpResponse methodNotAllowed(const HttpRequest &request, const char *allow)
{
    return HttpResponse::error(405,
        QStringLiteral("%1 is not allowed on %2; use %3")
            .arg(QString::fromLatin1(request.method), request.path.left(128), QLatin1String(allow)))
        .setHeader("Allow", allow);
}

bool isGet(const HttpRequest &request)
{
    return request.method == "GET" || request.method == "HEAD";
}

QByteArray contentType(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == u"html")
        return "text/html; charset=utf-8";
    if (suffix == u"js" || suffix == u"mjs")
        return "text/javascript; charset=utf-8";
    if (suffix == u"css")
        return "text/css; charset=utf-8";
    if (suffix == u"svg")
        return "image/svg+xml";
    if (suffix == u"png")
        return "image/png";
    if (suffix == u"ico")
        return "image/x-icon";
    if (suffix == u"json" || suffix == u"webmanifest")
        return "application/json";
    return "application/octet-stream";
}

} // namespace

NodeHttpApi::NodeHttpApi(Context context) : m_context(std::move(context))
{
    m_uptime.start();
}

bool NodeHttpApi::constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    // Hashing first makes both sides the same length, so the loop below
    // always runs 32 times whatever was sent.
    const QByteArray x = QCryptographicHash::hash(a, QCryptographicHash::Sha256);
    const QByteArray y = QCryptographicHash::hash(b, QCryptographicHash::Sha256);
    uchar diff = 0;
    for (qsizetype i = 0; i < x.size(); ++i)
        diff |= uchar(x[i]) ^ uchar(y[i]);
    return diff == 0 && a.size() == b.size();
}

void NodeHttpApi::handle(const HttpRequest &request, const HttpServer::Responder &respond)
{
    const QString &path = request.path;
    if (path == u"/health")
        return respond(isGet(request) ? health() : methodNotAllowed(request, "GET, HEAD"));
    if (path == u"/metrics")
        return respond(isGet(request) ? metrics() : methodNotAllowed(request, "GET, HEAD"));
    if (path == u"/chat/negotiate")
        return respond(
            request.method == "POST" ? negotiate(request) : methodNotAllowed(request, "POST"));
    if (path == u"/chat")
        return respond(HttpResponse::error(400,
            QStringLiteral("/chat accepts WebSocket connections only "
                           "(the WebSockets transport); negotiate at /chat/negotiate")));
    if (path == u"/admin/backplane") {
        if (request.method != "PUT")
            return respond(methodNotAllowed(request, "PUT"));
        return switchBackplane(request, respond);
    }
    if (request.pathSegments.size() == 3 && request.pathSegments[0] == "rooms"
        && request.pathSegments[2] == "messages") {
        if (!isGet(request))
            return respond(methodNotAllowed(request, "GET, HEAD"));
        return roomMessages(request, respond);
    }
    if (!isGet(request)) {
        if (!staticResourcePath(path).isEmpty() && QFileInfo(staticResourcePath(path)).isFile())
            return respond(methodNotAllowed(request, "GET, HEAD"));
        return respond(HttpResponse::error(404,
            QStringLiteral("no such endpoint: %1 %2")
                .arg(QString::fromLatin1(request.method), path.left(128))));
    }
    respond(staticFile(request));
}

HttpResponse NodeHttpApi::health() const
{
    const BackplaneStatus status = m_context.backplane.status();
    auto orNull = [](const QString &s) {
        return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
    };
    QJsonObject o {
        {QStringLiteral("status"), QStringLiteral("ok")},
        {QStringLiteral("node"), m_context.nodeId},
        {QStringLiteral("port"), int(m_context.port)},
        {QStringLiteral("version"), QStringLiteral(FARMCHAT_VERSION)},
        {QStringLiteral("backplane"), modeName(m_context.backplane.mode())},
        {QStringLiteral("redisConfigured"), m_context.redisConfigured},
        {QStringLiteral("redisConnected"), status.redisConnected},
        {QStringLiteral("redisFull"), status.redisFull},
        {QStringLiteral("roomsPending"), double(status.roomsPending)},
        {QStringLiteral("lastBackplaneError"), orNull(status.lastError)},
        {QStringLiteral("lastBackplaneErrorAt"),
            status.lastErrorAtMs > 0 ? QJsonValue(double(status.lastErrorAtMs))
                                     : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("outbox"), double(status.outboxDepth)},
        {QStringLiteral("epoch"), orNull(status.epoch)},
        {QStringLiteral("clients"), m_context.hub.sessionCount()},
        {QStringLiteral("uptimeMs"), double(m_uptime.elapsed())},
    };
    if (const SentinelWatcher *sentinel = m_context.sentinel) {
        QJsonArray sentinels;
        for (const SentinelWatcher::SentinelStatus &s : sentinel->sentinels())
            sentinels.append(QJsonObject {{QStringLiteral("endpoint"), s.endpoint},
                {QStringLiteral("reachable"), s.reachable},
                {QStringLiteral("error"), orNull(s.error)}});
        o.insert(QStringLiteral("redisSentinel"),
            QJsonObject {
                {QStringLiteral("masterName"), sentinel->options().masterName},
                {QStringLiteral("primary"), orNull(sentinel->primary())},
                {QStringLiteral("failovers"), sentinel->failovers()},
                {QStringLiteral("lastRecoveryMs"),
                    sentinel->lastRecoveryMs() >= 0 ? QJsonValue(double(sentinel->lastRecoveryMs()))
                                                    : QJsonValue(QJsonValue::Null)},
                {QStringLiteral("quorum"), sentinel->hasQuorum()},
                {QStringLiteral("quorumText"), sentinel->quorumText()},
                {QStringLiteral("problem"), orNull(sentinel->problem())},
                {QStringLiteral("sentinels"), sentinels},
            });
    }
    return HttpResponse::json(200, o);
}

HttpResponse NodeHttpApi::metrics() const
{
    const BackplaneStatus status = m_context.backplane.status();
    m_context.metrics.outboxDepth = status.outboxDepth;
    m_context.metrics.roomsRead = status.roomsRead;
    m_context.metrics.roomsJoined = m_context.hub.joinedRoomCount();
    m_context.metrics.roomsInHistory = m_context.hub.historyRoomCount();
    QByteArray text
        = m_context.metrics.toPrometheus(m_context.nodeId, modeName(m_context.backplane.mode()));
    if (const SentinelWatcher *sentinel = m_context.sentinel) {
        const QByteArray node = "{node=\"" + m_context.nodeId.toUtf8() + "\"} ";
        text += "# HELP farmchat_redis_failovers_total Times the Redis primary moved (Sentinel) "
                "while this node ran.\n# TYPE farmchat_redis_failovers_total counter\n"
                "farmchat_redis_failovers_total"
            + node + QByteArray::number(sentinel->failovers()) + '\n';
        text += "# HELP farmchat_redis_failover_recovery_ms From the first Redis link lost to "
                "every link on the new primary, last failover.\n"
                "# TYPE farmchat_redis_failover_recovery_ms gauge\n"
                "farmchat_redis_failover_recovery_ms"
            + node + QByteArray::number(qMax<qint64>(0, sentinel->lastRecoveryMs())) + '\n';
        text += "# HELP farmchat_redis_sentinel_quorum 1 while a Sentinel can reach the quorum "
                "for a failover.\n# TYPE farmchat_redis_sentinel_quorum gauge\n"
                "farmchat_redis_sentinel_quorum"
            + node + (sentinel->hasQuorum() ? "1" : "0") + '\n';
    }
    return HttpResponse::bytes(200, text, "text/plain; version=0.0.4; charset=utf-8");
}

HttpResponse NodeHttpApi::negotiate(const HttpRequest &request)
{
    // TransportProtocols.md "POST [endpoint-base]/negotiate": version 0 answers
    // without connectionToken and the client then uses connectionId as the id.
    int version = 0;
    const QString asked = request.query.queryItemValue(QStringLiteral("negotiateVersion"));
    if (!asked.isEmpty()) {
        bool ok = false;
        version = asked.toInt(&ok);
        if (!ok || version < 0)
            return HttpResponse::error(400,
                QStringLiteral("negotiateVersion must be a whole number (got '%1')")
                    .arg(asked.left(32)));
        version = qMin(version, 1);
    }
    const ConnectionTokens::Issued issued = m_context.tokens.issue(version);
    QJsonObject o;
    if (version >= 1) {
        o.insert(QStringLiteral("negotiateVersion"), version);
        o.insert(QStringLiteral("connectionToken"), issued.connectionToken);
    }
    o.insert(QStringLiteral("connectionId"), issued.connectionId);
    o.insert(QStringLiteral("availableTransports"),
        QJsonArray {QJsonObject {{QStringLiteral("transport"), QStringLiteral("WebSockets")},
            {QStringLiteral("transferFormats"), QJsonArray {QStringLiteral("Text")}}}});
    return HttpResponse::json(200, o);
}

QString NodeHttpApi::staticResourcePath(const QString &urlPath)
{
    QString path = urlPath == u"/" ? QStringLiteral("/index.html") : urlPath;
    static const QRegularExpression plainName(
        QStringLiteral("^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$"));
    const QStringList segments = path.mid(1).split(u'/');
    if (!path.startsWith(u'/') || segments.size() > 8)
        return {};
    for (const QString &segment : segments) {
        // No "..", no ".", no hidden names, no empty segments, nothing but plain names.
        if (!plainName.match(segment).hasMatch() || segment.startsWith(u'.')
            || segment.contains(QStringLiteral("..")))
            return {};
    }
    return QStringLiteral(":/web") + path;
}

HttpResponse NodeHttpApi::staticFile(const HttpRequest &request) const
{
    const QString resource = staticResourcePath(request.path);
    QFile file(resource);
    if (resource.isEmpty() || !QFileInfo(resource).isFile() || !file.open(QIODevice::ReadOnly))
        return HttpResponse::error(
            404, QStringLiteral("not found: %1").arg(request.path.left(128)));
    HttpResponse response = HttpResponse::bytes(200, file.readAll(), contentType(resource));
    response.setHeader("Cache-Control", "no-cache");
    response.setHeader("Referrer-Policy", "no-referrer");
    response.setHeader("X-Frame-Options", "DENY");
    return response;
}

std::optional<HttpResponse> NodeHttpApi::refuseOrSwitch(
    const HttpRequest &request, QString &previous)
{
    if (m_context.adminToken.isEmpty())
        return HttpResponse::error(
            401, QStringLiteral("admin API disabled: set FARMCHAT_ADMIN_TOKEN"));
    const QByteArray authorization = request.header("authorization");
    const QByteArray prefix = "Bearer ";
    if (!authorization.startsWith(prefix)
        || !constantTimeEquals(authorization.mid(prefix.size()).trimmed(), m_context.adminToken))
        return HttpResponse::error(
            401, QStringLiteral("missing or wrong admin token (Authorization: Bearer <token>)"))
            .setHeader("WWW-Authenticate", "Bearer");
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return HttpResponse::error(
            400, QStringLiteral("body must be a JSON object like {\"mode\":\"pubsub\"}"));
    const QJsonValue modeValue = document.object().value(u"mode");
    const auto mode = parseBackplaneMode(modeValue.toString());
    if (!modeValue.isString() || !mode)
        return HttpResponse::error(400, QStringLiteral("'mode' must be off, pubsub or streams"));
    previous = modeName(m_context.backplane.mode());
    if (const auto switched = m_context.backplane.switchTo(mode.value()); !switched)
        return HttpResponse::error(409, switched.error());
    return std::nullopt;
}

void NodeHttpApi::switchBackplane(const HttpRequest &request, const HttpServer::Responder &respond)
{
    QString previous;
    if (const std::optional<HttpResponse> refused = refuseOrSwitch(request, previous))
        return respond(*refused);
    // Answered once the new backplane reads Redis, so whoever switched can
    // send right away and reach every node that answered ready.
    BackplaneSwitch &backplane = m_context.backplane;
    backplane.whenReady(
        kSwitchReadyWaitMs, [&backplane, previous, respond](const Result<void> &ready) {
            QJsonObject answer {{QStringLiteral("mode"), modeName(backplane.mode())},
                {QStringLiteral("previous"), previous}, {QStringLiteral("ready"), ready.ok()}};
            if (!ready) {
                answer.insert(QStringLiteral("note"), ready.error());
                qCWarning(lcHttpApi).noquote()
                    << "switched to" << modeName(backplane.mode()) << "but" << ready.error();
            }
            respond(HttpResponse::json(200, answer));
        });
}

void NodeHttpApi::roomMessages(const HttpRequest &request, const HttpServer::Responder &respond)
{
    const QByteArray rawRoom = QByteArray::fromPercentEncoding(request.pathSegments[1]);
    const QString room = QString::fromUtf8(rawRoom);
    if (const auto valid = checkRoomName(room); !valid || room.toUtf8() != rawRoom)
        return respond(HttpResponse::error(
            400, valid ? QStringLiteral("room name is not valid UTF-8") : valid.error()));
    int limit = 100;
    if (request.query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = request.query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1 || limit > limits::kMaxHistoryLimit)
            return respond(HttpResponse::error(400,
                QStringLiteral("limit must be a whole number from 1 to %1")
                    .arg(limits::kMaxHistoryLimit)));
    }
    const QString after = request.query.queryItemValue(QStringLiteral("after"), QUrl::FullyDecoded);
    if (after.size() > 256)
        return respond(
            HttpResponse::error(400, QStringLiteral("after is longer than 256 characters")));
    m_context.hub.history(
        room, after, limit, [respond](const Result<QList<ChatMessage>> &messages) {
            if (!messages)
                return respond(HttpResponse::error(
                    503, QStringLiteral("history unavailable: ") + messages.error()));
            QJsonArray array;
            for (const ChatMessage &message : messages.value())
                array.append(message.toJson());
            respond(HttpResponse::json(200, array));
        });
}

} // namespace farmchat
