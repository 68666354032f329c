#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>

namespace farmchat {

class RedisConnection;

// The streams backplane's watch on the farm's history epoch: a random id under
// {prefix}:epoch, set by whichever node asks first (SET NX) and read by all.
// A link that reads another id than the one this node knew has reached a Redis
// that lost its data (restarted empty): every reader position and every id
// clients hold belongs to the old history.
class StreamEpochWatch : public QObject
{
    Q_OBJECT
public:
    explicit StreamEpochWatch(QByteArray key, QObject *parent = nullptr);

    const QString &epoch() const { return m_epoch; } // empty until first read
    // Counts new epochs: work started under an older one is stale.
    quint64 generation() const { return m_generation; }

    // Agrees with the farm on the epoch over `link`, then calls `confirmed`.
    // An unreadable epoch is retried; so is a GET that passed its deadline on
    // a link that stays up. A link that dropped ends the attempt (its next
    // ready() is the time to check again).
    void check(RedisConnection &link, std::function<void()> confirmed);

Q_SIGNALS:
    // The farm's epoch was read for the first time.
    void epochKnown();
    // Redis came back with another epoch: the farm's history was lost.
    void historyLost(const QString &previous, const QString &epoch);
    void failed(const QString &error);

private:
    void adopt(const QString &epoch);
    // check() again shortly, if `link` is still the connection of `session`
    // (its reconnects() then).
    void checkAgainSoon(RedisConnection &link, int session, const std::function<void()> &confirmed);

    QByteArray m_key;
    QString m_epoch;
    quint64 m_generation = 0;
};

} // namespace farmchat
