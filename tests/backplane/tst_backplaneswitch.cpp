#include "backplane/backplaneswitch.h"

#include <QPointer>
#include <QSignalSpy>
#include <QTest>

using namespace farmchat;

namespace {

// A backplane that accepts publishes without sending them, as a Redis one
// does while Redis is down, and records what the switch asks of it.
class HoldingBackplane final : public Backplane
{
public:
    explicit HoldingBackplane(BackplaneMode mode) : m_mode(mode) { }
    BackplaneMode mode() const override { return m_mode; }
    void publish(const ChatMessage &message, PublishDone done) override
    {
        held.append({message, std::move(done)});
    }
    void watchRoom(const QString &room) override { watched.append(room); }
    void unwatchRoom(const QString &room) override { watched.removeAll(room); }
    BackplaneStatus status() const override
    {
        BackplaneStatus s;
        s.mode = m_mode;
        s.outboxDepth = held.size();
        return s;
    }
    QList<Pending> takePending() override { return std::exchange(held, {}); }
    void retire(HandOver next) override
    {
        retired = true;
        handOver = std::move(next);
    }
    bool isDrained() const override { return !busy; }
    // The work it had in flight is done (a Redis answer came).
    void finish()
    {
        busy = false;
        Q_EMIT drained();
    }

    QList<Pending> held;
    QStringList watched;
    bool busy = false; // has work in flight: retire() does not drain at once
    bool retired = false;
    HandOver handOver;

private:
    BackplaneMode m_mode;
};

ChatMessage message(const QString &id, const QString &room = QStringLiteral("lobby"))
{
    ChatMessage m;
    m.id = id;
    m.room = room;
    m.text = QStringLiteral("t");
    return m;
}

} // namespace

class tst_BackplaneSwitch : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void startBuildsFirstBackplane();
    void startReportsMakerError();
    void switchCarriesPendingAndWatches();
    void refusedSwitchKeepsCurrent();
    void switchToSameModeIsNoop();
    void signalsFollowCurrentOnly();
    void unwatchForgetsRoom();
    void retiredBackplaneDrainsThenGoes();
    void switchDestroysRetiredBackplanes();

private:
    BackplaneSwitch::Maker maker(
        QList<QPointer<HoldingBackplane>> *made, bool redisAvailable = true)
    {
        return [made, redisAvailable](BackplaneMode mode) -> Result<std::unique_ptr<Backplane>> {
            if (mode != BackplaneMode::Off && !redisAvailable)
                return Result<std::unique_ptr<Backplane>>::failure(
                    QStringLiteral("no Redis configured (test)"));
            auto backplane = std::make_unique<HoldingBackplane>(mode);
            made->append(backplane.get());
            return backplane;
        };
    }
};

void tst_BackplaneSwitch::startBuildsFirstBackplane()
{
    QList<QPointer<HoldingBackplane>> made;
    BackplaneSwitch sw(maker(&made));
    QVERIFY(sw.start(BackplaneMode::PubSub).ok());
    QCOMPARE(sw.mode(), BackplaneMode::PubSub);
    QCOMPARE(made.size(), 1);
}

void tst_BackplaneSwitch::startReportsMakerError()
{
    QList<QPointer<HoldingBackplane>> made;
    BackplaneSwitch sw(maker(&made, false));
    const auto started = sw.start(BackplaneMode::Streams);
    QVERIFY(!started);
    QCOMPARE(started.error(), QStringLiteral("no Redis configured (test)"));
    QVERIFY(!sw.current());
    bool answered = false;
    sw.publish(message(QStringLiteral("1")), [&answered](const PublishOutcome &o) {
        answered = true;
        QVERIFY(!o.ok());
        QVERIFY(!o.error().text.isEmpty());
    });
    QVERIFY(answered);
}

void tst_BackplaneSwitch::switchCarriesPendingAndWatches()
{
    QList<QPointer<HoldingBackplane>> made;
    BackplaneSwitch sw(maker(&made));
    QVERIFY(sw.start(BackplaneMode::Streams).ok());
    sw.watchRoom(QStringLiteral("lobby"));
    sw.watchRoom(QStringLiteral("x"));
    QList<QString> outcomes;
    for (const char *id : {"a", "b"})
        sw.publish(message(QLatin1String(id)),
            [&outcomes](const PublishOutcome &o) { outcomes.append(o ? o->id : o.error().text); });
    QCOMPARE(made[0]->held.size(), 2);

    QSignalSpy statusChanged(&sw, &Backplane::statusChanged);
    QVERIFY(sw.switchTo(BackplaneMode::PubSub).ok());
    QCOMPARE(sw.mode(), BackplaneMode::PubSub);
    QCOMPARE(statusChanged.size(), 1);
    QCOMPARE(made.size(), 2);
    HoldingBackplane *next = made[1];
    // Rooms first, then the carried messages, in their order, with their callbacks.
    QCOMPARE(QSet<QString>(next->watched.cbegin(), next->watched.cend()),
        (QSet<QString> {"lobby", "x"}));
    QCOMPARE(next->held.size(), 2);
    QCOMPARE(next->held[0].message.id, QStringLiteral("a"));
    QCOMPARE(next->held[1].message.id, QStringLiteral("b"));
    QVERIFY(outcomes.isEmpty());
    next->held[0].done(Published {QStringLiteral("a"), {}});
    QCOMPARE(outcomes, QStringList {"a"});
    // The old backplane had nothing in flight: destroyed from the event loop.
    QVERIFY(made[0]);
    QVERIFY(made[0]->retired);
    QTRY_VERIFY(!made[0]);
    QCOMPARE(sw.retiringCount(), 0);
}

void tst_BackplaneSwitch::refusedSwitchKeepsCurrent()
{
    QList<QPointer<HoldingBackplane>> made;
    bool redis = true;
    BackplaneSwitch sw([&](BackplaneMode mode) -> Result<std::unique_ptr<Backplane>> {
        if (mode != BackplaneMode::Off && !redis)
            return Result<std::unique_ptr<Backplane>>::failure(
                QStringLiteral("no Redis configured (start the node with --redis URL)"));
        auto b = std::make_unique<HoldingBackplane>(mode);
        made.append(b.get());
        return b;
    });
    QVERIFY(sw.start(BackplaneMode::Off).ok());
    redis = false;
    sw.publish(message(QStringLiteral("kept")), [](const PublishOutcome &) {});
    const auto switched = sw.switchTo(BackplaneMode::PubSub);
    QVERIFY(!switched);
    QVERIFY(switched.error().contains(QStringLiteral("no Redis configured")));
    QCOMPARE(sw.mode(), BackplaneMode::Off);
    QCOMPARE(made.size(), 1);
    QCOMPARE(made[0]->held.size(), 1); // nothing was taken from it
}

void tst_BackplaneSwitch::switchToSameModeIsNoop()
{
    QList<QPointer<HoldingBackplane>> made;
    BackplaneSwitch sw(maker(&made));
    QVERIFY(sw.start(BackplaneMode::PubSub).ok());
    QVERIFY(sw.switchTo(BackplaneMode::PubSub).ok());
    QCOMPARE(made.size(), 1);
}

void tst_BackplaneSwitch::signalsFollowCurrentOnly()
{
    QList<QPointer<HoldingBackplane>> made;
    BackplaneSwitch sw(maker(&made));
    QVERIFY(sw.start(BackplaneMode::Off).ok());
    QSignalSpy delivered(&sw, &Backplane::deliver);
    QSignalSpy resets(&sw, &Backplane::historyReset);
    Q_EMIT made[0]->deliver(message(QStringLiteral("1")));
    QCOMPARE(delivered.size(), 1);
    QPointer<HoldingBackplane> old = made[0];
    QVERIFY(sw.switchTo(BackplaneMode::Streams).ok());
    // A retired backplane may still emit before it is deleted: nobody hears it.
    Q_EMIT old->deliver(message(QStringLiteral("2")));
    QCOMPARE(delivered.size(), 1);
    Q_EMIT made[1]->deliver(message(QStringLiteral("3")));
    Q_EMIT made[1]->historyReset(QStringLiteral("lobby"));
    QCOMPARE(delivered.size(), 2);
    QCOMPARE(resets.size(), 1);
}

void tst_BackplaneSwitch::unwatchForgetsRoom()
{
    QList<QPointer<HoldingBackplane>> made;
    BackplaneSwitch sw(maker(&made));
    QVERIFY(sw.start(BackplaneMode::Off).ok());
    sw.watchRoom(QStringLiteral("a"));
    sw.watchRoom(QStringLiteral("a"));
    QCOMPARE(made[0]->watched, QStringList {"a"});
    sw.unwatchRoom(QStringLiteral("a"));
    QVERIFY(made[0]->watched.isEmpty());
    QVERIFY(sw.switchTo(BackplaneMode::PubSub).ok());
    QVERIFY(made[1]->watched.isEmpty());
}

void tst_BackplaneSwitch::retiredBackplaneDrainsThenGoes()
{
    QList<QPointer<HoldingBackplane>> made;
    BackplaneSwitch sw(maker(&made));
    QVERIFY(sw.start(BackplaneMode::Streams).ok());
    made[0]->busy = true; // e.g. an XADD waiting for Redis
    QSignalSpy delivered(&sw, &Backplane::deliver);
    QVERIFY(sw.switchTo(BackplaneMode::PubSub).ok());
    QPointer<HoldingBackplane> old = made[0];
    QVERIFY(old->retired);
    QCOMPARE(sw.retiringCount(), 1);
    QTest::qWait(50);
    QVERIFY(old); // kept while it drains
    // Redis confirms the message: this node's clients still get it.
    Q_EMIT old->deliver(message(QStringLiteral("confirmed late")));
    QCOMPARE(delivered.size(), 1);
    // What it can no longer send goes through the current backplane.
    bool answered = false;
    old->handOver(
        {message(QStringLiteral("handed over")), [&](const PublishOutcome &) { answered = true; }});
    QCOMPARE(made[1]->held.size(), 1);
    QCOMPARE(made[1]->held[0].message.id, QStringLiteral("handed over"));
    made[1]->held[0].done(Published {QStringLiteral("handed over"), {}});
    QVERIFY(answered);
    old->finish();
    // Once drained nothing of it is heard, and it is destroyed.
    Q_EMIT old->deliver(message(QStringLiteral("late echo")));
    QCOMPARE(delivered.size(), 1);
    QTRY_VERIFY(!old);
    QCOMPARE(sw.retiringCount(), 0);
}

void tst_BackplaneSwitch::switchDestroysRetiredBackplanes()
{
    // The node destroys its switch before the factory whose links the
    // backplanes use: no backplane, retired or not, may outlive the switch.
    QList<QPointer<HoldingBackplane>> made;
    auto sw = std::make_unique<BackplaneSwitch>(maker(&made));
    QVERIFY(sw->start(BackplaneMode::Streams).ok());
    made[0]->busy = true;
    QVERIFY(sw->switchTo(BackplaneMode::PubSub).ok());
    QCOMPARE(sw->retiringCount(), 1);
    sw.reset();
    QVERIFY(!made[0]);
    QVERIFY(!made[1]);
}

QTEST_GUILESS_MAIN(tst_BackplaneSwitch)
#include "tst_backplaneswitch.moc"
