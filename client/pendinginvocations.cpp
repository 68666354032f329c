#include "client/pendinginvocations_p.h"

#include "protocol/hubmessage.h"

#include <QPointer>
#include <QTimer>

#include <algorithm>

namespace farmchat {

PendingInvocations::PendingInvocations(QObject *parent) : QObject(parent) { }

// Callbacks still waiting are dropped, not called: their owners are usually
// being destroyed too, and calling into them would be calling into the dead.
PendingInvocations::~PendingInvocations() = default;

QString PendingInvocations::add(const QString &method, Callback callback, int timeoutMs)
{
    const QString id = QString::number(m_nextId++);
    auto call = std::make_shared<Call>();
    call->method = method;
    call->callback = std::move(callback);
    if (timeoutMs > 0) {
        call->timer = new QTimer(this);
        call->timer->setSingleShot(true);
        connect(call->timer, &QTimer::timeout, this, [this, id, method, timeoutMs] {
            fail(id,
                QStringLiteral("the server did not answer '%1' within %2 ms")
                    .arg(method)
                    .arg(timeoutMs));
        });
        call->timer->start(timeoutMs);
    }
    m_calls.insert(id, std::move(call));
    return id;
}

bool PendingInvocations::complete(const HubMessage &completion)
{
    if (!m_calls.contains(completion.invocationId))
        return false;
    if (completion.hasError) {
        fail(completion.invocationId,
            completion.error.isEmpty()
                ? QStringLiteral("the server reported an error without a message")
                : completion.error);
        return true;
    }
    finish(completion.invocationId,
        completion.hasResult ? completion.result : QJsonValue(QJsonValue::Undefined));
    return true;
}

void PendingInvocations::fail(const QString &invocationId, const QString &error)
{
    finish(invocationId, Result<QJsonValue>::failure(error));
}

void PendingInvocations::finish(const QString &invocationId, const Result<QJsonValue> &result)
{
    // Take the call out before running its callback: the callback may invoke
    // again, fail everything, or destroy our owner.
    const std::shared_ptr<Call> call = m_calls.take(invocationId);
    if (!call)
        return;
    retireTimer(*call);
    if (call->callback)
        call->callback(result);
}

// The timer may be the one whose timeout() is running right now: stop it and
// let the event loop delete it.
void PendingInvocations::retireTimer(Call &call)
{
    if (call.timer) {
        call.timer->stop();
        call.timer->deleteLater();
        call.timer = nullptr;
    }
}

void PendingInvocations::failAll(const QString &error)
{
    const QPointer<PendingInvocations> self(this);
    const auto failure = Result<QJsonValue>::failure(error);
    const QHash<QString, std::shared_ptr<Call>> calls = std::exchange(m_calls, {});
    // Oldest first, so callers see failures in the order they invoked.
    QList<QString> ids = calls.keys();
    std::sort(ids.begin(), ids.end(),
        [](const QString &a, const QString &b) { return a.toULongLong() < b.toULongLong(); });
    for (const QString &id : ids) {
        if (!self)
            return;
        const std::shared_ptr<Call> &call = calls.value(id);
        retireTimer(*call);
        if (call->callback)
            call->callback(failure);
    }
}

} // namespace farmchat
