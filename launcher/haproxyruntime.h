#pragma once

#include "core/result.h"

#include <QList>
#include <QObject>
#include <QString>

#include <functional>

namespace farmchat {

// One backend server as HAProxy's runtime API reports it ("show stat").
struct LbServerStatus
{
    QString name; // "node-9090"
    QString status; // UP, DOWN, MAINT, DRAIN, "UP 1/2" (going down), "no check"
    int sessions = 0; // current (scur): the clients it serves now, WebSockets included
    qint64 totalSessions = 0; // since HAProxy started (stot)

    // UP, or on its way down but still taking clients.
    bool isUp() const { return status.startsWith(u"UP"); }
};

// A client of HAProxy's runtime API on its unix socket (the "stats socket"
// of HaproxyConfig): one command per connection, the answer is everything
// HAProxy writes before it closes. Used by HaproxyInstance for drain, maint
// and ready and to read the sessions per node; nothing blocks.
class HaproxyRuntime : public QObject
{
    Q_OBJECT
public:
    static constexpr int kTimeoutMs = 3000;
    using Done = std::function<void(const Result<QString> &answer)>;

    explicit HaproxyRuntime(QString socketPath, QObject *parent = nullptr);
    ~HaproxyRuntime() override;

    QString socketPath() const { return m_socketPath; }

    // Sends `command` ("show stat", "set server nodes/node-9090 state drain");
    // `done` gets HAProxy's answer, or why there is none. An answer that is
    // an error message from HAProxy (an unknown server, a refused state) is
    // an error too. `done` is never called once this object is being destroyed.
    void send(const QString &command, Done done);

    // The rows of "show stat" for the servers of `backend` (not FRONTEND or BACKEND).
    static Result<QList<LbServerStatus>> parseServers(
        const QString &showStat, const QString &backend);

private:
    QString m_socketPath;
};

} // namespace farmchat
