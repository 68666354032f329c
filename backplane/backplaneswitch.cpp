#include "backplane/backplaneswitch.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>
#include <optional>
#include <utility>

namespace farmchat {

Q_LOGGING_CATEGORY(lcSwitch, "farmchat.node.backplane", QtInfoMsg)

BackplaneSwitch::BackplaneSwitch(Maker maker, QObject *parent)
    : Backplane(parent), m_maker(std::move(maker))
{ }

BackplaneSwitch::~BackplaneSwitch()
{
    // Explicitly, while this object is whole: their destructors answer
    // senders still waiting, and nothing may reach our signals any more.
    for (const auto &retired : m_retiring)
        retired->disconnect(this);
    m_retiring.clear();
    if (m_current)
        m_current->disconnect(this);
    m_current.reset();
}

namespace {

// A maker's answer as one: a backplane, or why there is none.
Result<std::unique_ptr<Backplane>> build(const BackplaneSwitch::Maker &maker, BackplaneMode mode)
{
    auto made = maker(mode);
    if (made && made.value())
        return made;
    const QString why = made ? QString() : made.error();
    return Result<std::unique_ptr<Backplane>>::failure(
        why.isEmpty() ? QStringLiteral("cannot build backplane '%1'").arg(modeName(mode)) : why);
}

} // namespace

Result<void> BackplaneSwitch::start(BackplaneMode mode)
{
    auto backplane = build(m_maker, mode);
    if (!backplane)
        return Result<void>::failure(backplane.error());
    if (m_current)
        putAside(std::move(m_current));
    attach(std::move(backplane).value());
    return {};
}

Result<void> BackplaneSwitch::switchTo(BackplaneMode mode)
{
    if (m_current && m_current->mode() == mode)
        return {};
    auto next = build(m_maker, mode);
    if (!next)
        return Result<void>::failure(next.error());
    std::unique_ptr<Backplane> previous = std::move(m_current);
    QList<Pending> pending;
    if (previous)
        pending = previous->takePending();
    attach(std::move(next).value());
    // Accepted but unsent messages go out through the new backplane with
    // their original callbacks, so their senders still get one answer each.
    for (Pending &p : pending)
        m_current->publish(p.message, std::move(p.done));
    qCInfo(lcSwitch) << "backplane switched to" << modeName(mode) << "carrying" << pending.size()
                     << "pending messages";
    if (previous)
        putAside(std::move(previous));
    Q_EMIT statusChanged();
    return {};
}

namespace {

// Ready, not yet (nullopt), or why it will not be soon.
std::optional<Result<void>> readiness(const BackplaneStatus &status, qint64 sinceMs)
{
    if (status.mode == BackplaneMode::Off || (status.redisConnected && status.roomsPending == 0))
        return Result<void>();
    if (!status.redisConnected && status.lastErrorAtMs >= sinceMs)
        return Result<void>::failure(
            QStringLiteral("Redis not reachable yet: %1").arg(status.lastError));
    return std::nullopt;
}

} // namespace

void BackplaneSwitch::whenReady(int waitMs, ReadyDone done)
{
    const qint64 since = QDateTime::currentMSecsSinceEpoch();
    if (auto now = readiness(status(), since))
        return done(*now);
    auto *wait = new QObject(this); // its connections and deadline end with the answer
    auto pending = std::make_shared<ReadyDone>(std::move(done));
    auto answer = [wait, pending](const Result<void> &outcome) {
        if (!*pending)
            return;
        wait->deleteLater();
        std::exchange(*pending, nullptr)(outcome);
    };
    auto check = [this, since, answer] {
        if (auto outcome = readiness(status(), since))
            answer(*outcome);
    };
    connect(this, &Backplane::statusChanged, wait, check);
    connect(this, &Backplane::roomReady, wait, check);
    QTimer::singleShot(waitMs, wait, [this, waitMs, answer] {
        const BackplaneStatus s = status();
        answer(Result<void>::failure(
            QStringLiteral("not reading Redis after %1 ms (%2 of %3 rooms unconfirmed%4)")
                .arg(waitMs)
                .arg(s.roomsPending)
                .arg(s.roomsRead)
                .arg(s.redisConnected ? QString() : QStringLiteral(", link down"))));
    });
}

void BackplaneSwitch::attach(std::unique_ptr<Backplane> backplane)
{
    m_current = std::move(backplane);
    m_current->setParent(nullptr);
    connect(m_current.get(), &Backplane::deliver, this, &Backplane::deliver);
    connect(m_current.get(), &Backplane::statusChanged, this, &Backplane::statusChanged);
    connect(m_current.get(), &Backplane::historyReset, this, &Backplane::historyReset);
    connect(m_current.get(), &Backplane::roomReady, this, &Backplane::roomReady);
    for (const QString &room : std::as_const(m_watched))
        m_current->watchRoom(room);
}

void BackplaneSwitch::putAside(std::unique_ptr<Backplane> backplane)
{
    Backplane *raw = backplane.get();
    raw->disconnect(this);
    // What it had accepted still reaches this node's clients: a streams
    // message whose XADD is in flight is delivered when Redis confirms it.
    connect(raw, &Backplane::deliver, this, &Backplane::deliver);
    connect(raw, &Backplane::drained, this, [this, raw] {
        raw->disconnect(this); // done: nothing more of it is heard
        disposeLater(raw);
    });
    m_retiring.push_back(std::move(backplane));
    raw->retire([this](Pending pending) { publish(pending.message, std::move(pending.done)); });
    if (raw->isDrained()) {
        raw->disconnect(this);
        disposeLater(raw);
        return;
    }
    qCInfo(lcSwitch) << "the previous" << modeName(raw->mode())
                     << "backplane finishes its messages in flight";
    QTimer::singleShot(kRetireDeadlineMs, this, [this, raw] {
        const bool stillThere = std::any_of(m_retiring.cbegin(), m_retiring.cend(),
            [raw](const auto &retired) { return retired.get() == raw; });
        if (stillThere) {
            qCWarning(lcSwitch) << "the previous" << modeName(raw->mode()) << "backplane did not"
                                << "drain within" << kRetireDeadlineMs << "ms; stopping it";
            disposeLater(raw);
        }
    });
}

void BackplaneSwitch::disposeLater(Backplane *backplane)
{
    QTimer::singleShot(0, this, [this, backplane] {
        const auto it = std::find_if(m_retiring.begin(), m_retiring.end(),
            [backplane](const auto &retired) { return retired.get() == backplane; });
        if (it == m_retiring.end())
            return;
        (*it)->disconnect(this);
        m_retiring.erase(it); // destroys it
    });
}

BackplaneMode BackplaneSwitch::mode() const
{
    return m_current ? m_current->mode() : BackplaneMode::Off;
}

void BackplaneSwitch::publish(const ChatMessage &message, PublishDone done)
{
    if (!m_current) {
        done(PublishOutcome::failure(QStringLiteral("no backplane")));
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

bool BackplaneSwitch::isRoomReady(const QString &room) const
{
    return !m_current || m_current->isRoomReady(room);
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
        done(Result<QList<ChatMessage>>::failure(QStringLiteral("no backplane")));
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
