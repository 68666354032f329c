#include "backplane/streams/streamepochwatch_p.h"

#include "backplane/streams/streamslogging_p.h"
#include "redis/redisconnection.h"

#include <QPointer>
#include <QTimer>
#include <QUuid>

namespace farmchat {

namespace {

constexpr int kRetryMs = 500;

} // namespace

StreamEpochWatch::StreamEpochWatch(QByteArray key, QObject *parent)
    : QObject(parent), m_key(std::move(key))
{ }

void StreamEpochWatch::check(RedisConnection &link, std::function<void()> confirmed)
{
    // SET NX then GET on one link: whoever came first set it, all read the same.
    const QByteArray candidate = QUuid::createUuid().toString(QUuid::Id128).toLatin1();
    link.command({"SET", m_key, candidate, "NX"}, nullptr);
    const QPointer<StreamEpochWatch> self(this);
    const int session = link.reconnects();
    link.command({"GET", m_key},
        [self, &link, session, confirmed = std::move(confirmed)](const RedisValue &reply) {
            if (!self)
                return;
            if (reply.isLinkError()) {
                // The link dropped: its next ready() checks again. But a GET past
                // its deadline on a link that stays up (stalled, then flowing
                // again before the liveness probe gave up) brings no ready():
                // without asking again this link would never be used.
                if (link.isReady() && link.reconnects() == session)
                    self->checkAgainSoon(link, session, confirmed);
                return;
            }
            if (!reply.isString() || reply.bytes().isEmpty()) {
                const QString error
                    = QStringLiteral("cannot read the history epoch: ") + reply.describe();
                qCWarning(lcStreams).noquote() << error << "- retrying";
                Q_EMIT self->failed(error);
                self->checkAgainSoon(link, session, confirmed);
                return;
            }
            self->adopt(QString::fromLatin1(reply.bytes()));
            confirmed();
        });
}

void StreamEpochWatch::checkAgainSoon(
    RedisConnection &link, int session, const std::function<void()> &confirmed)
{
    const QPointer<StreamEpochWatch> self(this);
    const QPointer<RedisConnection> alive(&link);
    QTimer::singleShot(kRetryMs, this, [self, alive, session, confirmed] {
        // Only on the same link: one that dropped and came back is checked by
        // its ready(), and checking twice would confirm twice.
        if (self && alive && alive->isReady() && alive->reconnects() == session)
            self->check(*alive, confirmed);
    });
}

void StreamEpochWatch::adopt(const QString &epoch)
{
    if (epoch == m_epoch)
        return;
    if (m_epoch.isEmpty()) {
        m_epoch = epoch;
        qCInfo(lcStreams).noquote() << "farm history epoch" << epoch;
        Q_EMIT epochKnown();
        return;
    }
    const QString previous = std::exchange(m_epoch, epoch);
    ++m_generation;
    Q_EMIT historyLost(previous, epoch);
}

} // namespace farmchat
