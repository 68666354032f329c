#pragma once

#include "server/httpserver_p.h"

#include <QElapsedTimer>
#include <QString>

#include <optional>

namespace farmchat {

class BackplaneSwitch;
class ChatHub;
class ConnectionTokens;
class SentinelWatcher;
struct NodeMetrics;

// The node's HTTP endpoints (DESIGN.md "HTTP on the same port"): the web page
// from :/web, /health, /metrics, room history, SignalR negotiate and the
// admin backplane switch. Transport, Host and Origin checks happen before a
// request gets here (HttpServer); every error answer names the problem.
class NodeHttpApi
{
public:
    struct Context
    {
        QString nodeId;
        quint16 port = 0;
        QByteArray adminToken; // empty: admin API disabled
        bool redisConfigured = false;
        NodeMetrics &metrics;
        ChatHub &hub;
        BackplaneSwitch &backplane;
        ConnectionTokens &tokens;
        const SentinelWatcher *sentinel = nullptr; // Redis through Sentinel; else none
    };

    explicit NodeHttpApi(Context context);

    void handle(const HttpRequest &request, const HttpServer::Responder &respond);

    // Equal without leaking where they differ, or their length, through timing.
    static bool constantTimeEquals(const QByteArray &a, const QByteArray &b);
    // The Qt resource path for a URL path under :/web, or empty when the path
    // is not a plain file name inside it (traversal, hidden, odd characters).
    static QString staticResourcePath(const QString &urlPath);

private:
    HttpResponse health() const;
    HttpResponse metrics() const;
    HttpResponse negotiate(const HttpRequest &request);
    HttpResponse staticFile(const HttpRequest &request) const;
    void switchBackplane(const HttpRequest &request, const HttpServer::Responder &respond);
    // Checks a PUT /admin/backplane and switches; the error answer if refused.
    std::optional<HttpResponse> refuseOrSwitch(const HttpRequest &request, QString &previous);
    void roomMessages(const HttpRequest &request, const HttpServer::Responder &respond);

    // How long PUT /admin/backplane waits for the new backplane to read
    // Redis before answering anyway; under the launcher's request timeout.
    static constexpr int kSwitchReadyWaitMs = 3000;

    Context m_context;
    QElapsedTimer m_uptime;
};

} // namespace farmchat
