#include "server/backplaneswitch.h"

#include <QLoggingCategory>

namespace farmchat {

Q_LOGGING_CATEGORY(lcSwitch, "farmchat.node.backplane", QtInfoMsg)

BackplaneSwitch::BackplaneSwitch(Maker maker, QObject *parent)
    : Backplane(parent), m_maker(std::move(maker))
{ }

BackplaneSwitch::~BackplaneSwitch()
{
    if (m_current)
        m_current->disconnect(this);
}

QString BackplaneSwitch::start(BackplaneMode mode)
{
    QString error;
    auto backplane = m_maker(mode, &error);
    if (!backplane)
        return error.isEmpty() ? QStringLiteral("cannot build backplane '%1'").arg(modeName(mode))
                               : error;
    if (m_current)
        retire(std::move(m_current));
    attach(std::move(backplane));
    return {};
}

QString BackplaneSwitch::switchTo(BackplaneMode mode)
{
    if (m_current && m_current->mode() == mode)
        return {};
    QString error;
    auto next = m_maker(mode, &error);
    if (!next)
        return error.isEmpty() ? QStringLiteral("cannot build backplane '%1'").arg(modeName(mode))
                               : error;
    std::unique_ptr<Backplane> previous = std::move(m_current);
    QList<Pending> pending;
    if (previous) {
        previous->disconnect(this);
        pending = previous->takePending();
    }
    attach(std::move(next));
    // Accepted but unsent messages go out through the new backplane with
    // their original callbacks, so their senders still get one answer each.
    for (Pending &p : pending)
        m_current->publish(p.message, std::move(p.done));
    qCInfo(lcSwitch) << "backplane switched to" << modeName(mode) << "carrying" << pending.size()
                     << "pending messages";
    if (previous)
        retire(std::move(previous));
    Q_EMIT statusChanged();
    return {};
}

void BackplaneSwitch::attach(std::unique_ptr<Backplane> backplane)
{
    m_current = std::move(backplane);
    m_current->setParent(nullptr);
    connect(m_current.get(), &Backplane::deliver, this, &Backplane::deliver);
    connect(m_current.get(), &Backplane::statusChanged, this, &Backplane::statusChanged);
    connect(m_current.get(), &Backplane::historyReset, this, &Backplane::historyReset);
    for (const QString &room : std::as_const(m_watched))
        m_current->watchRoom(room);
}

void BackplaneSwitch::retire(std::unique_ptr<Backplane> backplane)
{
    backplane->disconnect(this);
    // It may be inside one of its own signals right now.
    backplane.release()->deleteLater();
}

BackplaneMode BackplaneSwitch::mode() const
{
    return m_current ? m_current->mode() : BackplaneMode::Off;
}

void BackplaneSwitch::publish(const ChatMessage &message, PublishDone done)
{
    if (!m_current) {
        done(PublishOutcome {{}, QStringLiteral("no backplane"), {}});
        return;
    }
    m_current->publish(message, std::move(done));
}

void BackplaneSwitch::watchRoom(const QString &room)
{
    if (m_watched.contains(room))
        return;
    m_watched.insert(room);
    if (m_current)
        m_current->watchRoom(room);
}

void BackplaneSwitch::unwatchRoom(const QString &room)
{
    if (!m_watched.remove(room))
        return;
    if (m_current)
        m_current->unwatchRoom(room);
}

bool BackplaneSwitch::servesHistory() const
{
    return m_current && m_current->servesHistory();
}

void BackplaneSwitch::history(
    const QString &room, const QString &afterId, int limit, HistoryDone done)
{
    if (!m_current) {
        done({}, QStringLiteral("no backplane"));
        return;
    }
    m_current->history(room, afterId, limit, std::move(done));
}

BackplaneStatus BackplaneSwitch::status() const
{
    return m_current ? m_current->status() : BackplaneStatus {};
}

QList<Backplane::Pending> BackplaneSwitch::takePending()
{
    return m_current ? m_current->takePending() : QList<Pending> {};
}

} // namespace farmchat
