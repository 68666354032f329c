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
    link.command(
        {"GET", m_key}, [self, &link, confirmed = std::move(confirmed)](const RedisValue &reply) {
            if (!self || reply.isLinkError())
                return; // the link's next ready() checks again
            if (!reply.isString() || reply.bytes().isEmpty()) {
                const QString error
                    = QStringLiteral("cannot read the history epoch: ") + reply.describe();
                qCWarning(lcStreams).noquote() << error << "- retrying";
                Q_EMIT self->failed(error);
                QTimer::singleShot(kRetryMs, self, [self, &link, confirmed] {
                    if (self && link.isReady())
                        self->check(link, confirmed);
                });
                return;
            }
            self->adopt(QString::fromLatin1(reply.bytes()));
            confirmed();
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
