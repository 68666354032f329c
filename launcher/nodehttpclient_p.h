#pragma once

#include "core/result.h"
#include "launcher/nodehealth.h"
#include "protocol/backplanemode.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QUrl>

#include <functional>

namespace farmchat {

// The launcher's HTTP client of its own nodes: GET /health and PUT
// /admin/backplane. Asynchronous, never through a proxy, every request
// bounded by a timeout. Callbacks run on the event loop, and only while
// `context` lives. One per FarmSupervisor, shared by its FarmNodes.
class NodeHttpClient : public QObject
{
    Q_OBJECT
public:
    using HealthDone = std::function<void(const Result<NodeHealth> &health)>;
    // Ok, or e.g. "HTTP 401: missing or wrong admin token".
    using AdminDone = std::function<void(const Result<void> &switched)>;

    explicit NodeHttpClient(QObject *parent = nullptr);

    // `node` is the node's base URL, http://127.0.0.1:9090/.
    void getHealth(const QUrl &node, int timeoutMs, QObject *context, HealthDone done);
    void putBackplane(const QUrl &node, const QByteArray &adminToken, BackplaneMode mode,
        int timeoutMs, QObject *context, AdminDone done);

private:
    QNetworkAccessManager m_manager;
};

} // namespace farmchat
