#pragma once

#include "core/result.h"

#include <QHash>
#include <QJsonValue>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class QTimer;

namespace farmchat {

struct HubMessage;

// The invocations HubConnection has sent and not yet seen answered: hands out
// unique invocation ids and makes sure each callback runs exactly once, with
// the Completion, a per-call timeout, or the reason the connection dropped.
class PendingInvocations : public QObject
{
    Q_OBJECT
public:
    // HubConnection::Callback: the Completion's result (undefined for a void
    // method), or why the call failed.
    using Callback = std::function<void(const Result<QJsonValue> &result)>;

    explicit PendingInvocations(QObject *parent = nullptr);
    ~PendingInvocations() override;

    // Registers a call and returns its invocation id. With timeoutMs > 0 the
    // callback gets an error when no Completion arrived in time.
    QString add(const QString &method, Callback callback, int timeoutMs);
    // Runs the callback of the call this Completion answers. False when no call
    // is waiting for that id (already timed out, or never sent).
    bool complete(const HubMessage &completion);
    // Fails every waiting call with `error` (the connection dropped).
    void failAll(const QString &error);
    // Fails one call, e.g. when its message could not be sent.
    void fail(const QString &invocationId, const QString &error);
    qsizetype count() const { return m_calls.size(); }

private:
    struct Call
    {
        QString method;
        Callback callback;
        QTimer *timer = nullptr; // a child of this table, deleted when the call ends
    };
    void finish(const QString &invocationId, const Result<QJsonValue> &result);
    static void retireTimer(Call &call);

    QHash<QString, std::shared_ptr<Call>> m_calls;
    quint64 m_nextId = 1;
};

} // namespace farmchat
