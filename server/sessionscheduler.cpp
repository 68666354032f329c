#include "server/sessionscheduler_p.h"

#include <QAbstractEventDispatcher>
#include <QByteArrayView>

#include <algorithm>

namespace farmchat {

SessionScheduler::SessionScheduler(int tickMs, QObject *parent) : QObject(parent)
{
    m_clock.start();
    // Coarse: these are deadlines of seconds, and a coarse timer wakes the node less.
    m_ticker.setTimerType(tickMs >= 1000 ? Qt::CoarseTimer : Qt::PreciseTimer);
    m_ticker.setInterval(tickMs);
    connect(&m_ticker, &QTimer::timeout, this, &SessionScheduler::tick);

    // Qt's Unix dispatchers (glib's and its own) emit aboutToBlock() or awake()
    // before every poll(), so flushing there sends a turn's output before the
    // loop sleeps, with no posted event; a posted one costs a wake-up write,
    // its read and a second poll() over every socket per turn. Elsewhere (and
    // with a dispatcher not known to do that) a queued call does it.
    if (auto *dispatcher = QAbstractEventDispatcher::instance(thread())) {
        const QByteArrayView kind(dispatcher->metaObject()->className());
        if (kind == "QEventDispatcherGlib" || kind == "QEventDispatcherUNIX") {
            m_flushBeforePoll = true;
            connect(dispatcher, &QAbstractEventDispatcher::aboutToBlock, this,
                &SessionScheduler::flushAll);
            connect(
                dispatcher, &QAbstractEventDispatcher::awake, this, &SessionScheduler::flushAll);
        }
    }
}

SessionScheduler::~SessionScheduler() = default;

int SessionScheduler::tickIntervalFor(int keepAliveMs, int clientTimeoutMs, int handshakeTimeoutMs)
{
    const int shortest = std::min({keepAliveMs, clientTimeoutMs, handshakeTimeoutMs});
    return std::clamp(shortest / 4, 5, 1000);
}

void SessionScheduler::add(ScheduledSession *session)
{
    if (session->m_tickSlot >= 0)
        return;
    session->m_tickSlot = qsizetype(m_sessions.size());
    m_sessions.push_back(session);
    if (!m_ticker.isActive())
        m_ticker.start();
}

void SessionScheduler::remove(ScheduledSession *session)
{
    if (const qsizetype slot = session->m_tickSlot; slot >= 0) {
        // Swap with the last one: O(1) with 10,000 clients leaving at once.
        ScheduledSession *last = m_sessions.back();
        m_sessions[std::size_t(slot)] = last;
        last->m_tickSlot = slot;
        m_sessions.pop_back();
        session->m_tickSlot = -1;
        if (m_sessions.empty())
            m_ticker.stop();
    }
    if (session->m_flushScheduled) {
        session->m_flushScheduled = false;
        for (auto *list : {&m_dirty, &m_flushing})
            std::replace(
                list->begin(), list->end(), session, static_cast<ScheduledSession *>(nullptr));
    }
}

void SessionScheduler::scheduleFlush(ScheduledSession *session)
{
    if (session->m_flushScheduled)
        return;
    session->m_flushScheduled = true;
    m_dirty.push_back(session);
    if (!m_flushBeforePoll && !m_flushPosted) {
        m_flushPosted = true;
        // Queued: runs after the events of this turn (a batch of Redis replies,
        // every readable client) have added their records.
        QMetaObject::invokeMethod(this, &SessionScheduler::flushAll, Qt::QueuedConnection);
    }
}

void SessionScheduler::flushAll()
{
    m_flushPosted = false;
    if (m_dirty.empty() || !m_flushing.empty())
        return; // nothing to do, or already flushing (a nested event loop)
    // A flush can schedule more (a slow reader's Close message); those land in
    // a fresh m_dirty and a new queued call.
    m_flushing.swap(m_dirty);
    for (std::size_t i = 0; i < m_flushing.size(); ++i) {
        ScheduledSession *session = m_flushing[i];
        if (!session)
            continue;
        session->m_flushScheduled = false;
        session->flush();
    }
    m_flushing.clear(); // keeps its capacity for the next turn
}

void SessionScheduler::tick()
{
    const qint64 nowMs = now();
    // By index: a tick may close a session, never delete one (deleteLater).
    for (std::size_t i = 0; i < m_sessions.size(); ++i)
        m_sessions[i]->tick(nowMs);
}

} // namespace farmchat
