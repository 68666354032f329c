// GuidedDemo: the steps show off, then pub/sub, then streams, then the Redis
// lesson; the runner calls its hooks in order, waits for each switch and
// wait, moves with Next / Back / auto-play, and stops on failure or cancel.
#include "app/guideddemo.h"

#include <QSignalSpy>
#include <QTest>

using namespace farmchat;

namespace {

using Kind = DemoAction::Kind;

// Hooks that log what the demo does and answer at once; Redis is up or down as told.
struct FakeFarm
{
    QStringList log;
    bool redisUp = true;
    GuidedDemo::Hooks hooks()
    {
        GuidedDemo::Hooks h;
        h.send = [this](int pane, const QString &) { log << QStringLiteral("send %1").arg(pane); };
        h.switchMode = [this](BackplaneMode mode, std::function<void(const Result<void> &)> done) {
            log << QStringLiteral("switch %1").arg(modeName(mode));
            done({});
        };
        h.setBalancer = [this](int node, LbServerAdmin state,
                            std::function<void(const Result<void> &)> done) {
            log << QStringLiteral("%1 %2").arg(lbServerAdminName(state)).arg(node);
            done({});
        };
        h.clearMatrix = [this] { log << QStringLiteral("clear"); };
        h.redis = [this](bool up) {
            redisUp = up;
            log << (up ? QStringLiteral("redis up") : QStringLiteral("redis down"));
        };
        h.reached = [this](DemoAction::Until until) {
            if (until == DemoAction::Until::RedisDown)
                return !redisUp;
            if (until == DemoAction::Until::RedisBack)
                return redisUp;
            return true;
        };
        h.verdict = [] { return QStringLiteral("the verdict"); };
        return h;
    }
};

QStringList titles(const QSignalSpy &spy)
{
    QStringList out;
    for (const QList<QVariant> &args : spy)
        out << args.at(2).toString();
    return out;
}

} // namespace

class tst_GuidedDemo : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void script_data();
    void script();
    void scriptForNodesThatRestart();
    void autoPlayRunsInOrder();
    void nextAndBackWhilePaused();
    void waitsForSwitch();
    void switchFailureStops();
    void waitGivesUp();
    void cancel();
    void balancerChapter();
};

void tst_GuidedDemo::script_data()
{
    QTest::addColumn<int>("panes");
    QTest::addRow("one pane") << 1;
    QTest::addRow("two panes") << 2;
    QTest::addRow("eight panes") << 8;
}

void tst_GuidedDemo::script()
{
    QFETCH(int, panes);
    const QList<DemoStep> steps = GuidedDemo::script(panes);
    QCOMPARE(steps.size(), 5); // off, pub/sub, streams, the lesson, your turn
    QSet<int> senders;
    for (const DemoStep &step : steps) {
        QVERIFY(!step.title.isEmpty());
        // Two to four sentences each.
        const qsizetype sentences = step.narration.count(QStringLiteral(". ")) + 1;
        QVERIFY2(sentences >= 2 && sentences <= 4, qPrintable(step.narration));
        QVERIFY(step.narration.endsWith(u'.'));
        for (const DemoAction &a : step.actions) {
            if (a.kind == Kind::Send) {
                QVERIFY(a.pane >= 0 && a.pane < panes);
                senders.insert(a.pane);
            }
        }
    }
    QCOMPARE(senders.size(), qMin(panes, 2)); // first and last pane talk
    QCOMPARE(steps.first().actions.first().kind, Kind::ClearMatrix); // a clean matrix
    // The lesson: Redis down and a send, in pub/sub then in streams, Redis back, the verdict.
    QStringList lesson;
    for (const DemoAction &a : steps.at(3).actions) {
        if (a.kind == Kind::Redis)
            lesson << (a.up ? QStringLiteral("up") : QStringLiteral("down"));
        else if (a.kind == Kind::SwitchMode)
            lesson << modeName(a.mode);
        else if (a.kind == Kind::Send || a.kind == Kind::Verdict)
            lesson << (a.kind == Kind::Send ? QStringLiteral("send") : QStringLiteral("verdict"));
    }
    QCOMPARE(lesson,
        (QStringList {QStringLiteral("pubsub"), QStringLiteral("down"), QStringLiteral("send"),
            QStringLiteral("up"), QStringLiteral("streams"), QStringLiteral("down"),
            QStringLiteral("send"), QStringLiteral("up"), QStringLiteral("verdict")}));
    QCOMPARE(GuidedDemo::script(panes, 1.0, LbPolicy::None, false).size(), 4); // no own Redis
}

void tst_GuidedDemo::scriptForNodesThatRestart()
{
    // ASP.NET Core nodes: off and pub/sub only, no lesson (it needs streams),
    // and every switch waits for the panes the restart dropped.
    const QList<DemoStep> steps
        = GuidedDemo::script(3, 1.0, LbPolicy::None, true, NodeKind::AspNetCore);
    QCOMPARE(steps.size(), 3); // off, pub/sub, your turn
    int switches = 0;
    for (const DemoStep &step : steps) {
        for (qsizetype i = 0; i < step.actions.size(); ++i) {
            const DemoAction &a = step.actions.at(i);
            if (a.kind != Kind::SwitchMode)
                continue;
            ++switches;
            QVERIFY(a.mode != BackplaneMode::Streams);
            QVERIFY(i + 1 < step.actions.size());
            QCOMPARE(step.actions.at(i + 1).kind, Kind::Wait);
            QCOMPARE(step.actions.at(i + 1).until, DemoAction::Until::PanesConnected);
        }
    }
    QCOMPARE(switches, 2);
    QVERIFY(steps.at(1).narration.contains(QStringLiteral("restart")));
}

void tst_GuidedDemo::autoPlayRunsInOrder()
{
    FakeFarm farm;
    GuidedDemo demo(farm.hooks());
    demo.setPace(0.0);
    demo.setReadingPauseMs(10);
    QSignalSpy started(&demo, &GuidedDemo::stepStarted);
    QSignalSpy verdict(&demo, &GuidedDemo::verdictReady);
    QSignalSpy finished(&demo, &GuidedDemo::finished);
    const QList<DemoStep> steps = GuidedDemo::script(3, 0.0);
    demo.start(steps);
    QVERIFY(demo.isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QVERIFY(qvariant_cast<Result<void>>(finished.at(0).at(0)).ok());
    QStringList expected;
    for (const DemoStep &s : steps)
        expected << s.title;
    QCOMPARE(titles(started), expected);
    QCOMPARE(verdict.count(), 1);
    const QStringList &log = farm.log;
    QCOMPARE(log.first(), QStringLiteral("clear"));
    QCOMPARE(log.at(1), QStringLiteral("switch off"));
    QVERIFY(log.at(2) == QStringLiteral("send 0") && log.at(3) == QStringLiteral("send 2"));
    QVERIFY(log.indexOf(QStringLiteral("switch pubsub")) > 3);
    const qsizetype down = log.indexOf(QStringLiteral("redis down"));
    QVERIFY(down > log.lastIndexOf(QStringLiteral("switch pubsub")));
    QCOMPARE(log.mid(down).filter(QStringLiteral("send")).size(), 2);
    QCOMPARE(log.mid(down).filter(QStringLiteral("redis up")).size(), 2);
    QVERIFY(
        log.lastIndexOf(QStringLiteral("redis up")) > log.lastIndexOf(QStringLiteral("send 2")));
}

void tst_GuidedDemo::nextAndBackWhilePaused()
{
    FakeFarm farm;
    GuidedDemo demo(farm.hooks());
    demo.setPace(0.0);
    demo.setAutoPlay(false);
    QSignalSpy started(&demo, &GuidedDemo::stepStarted);
    QSignalSpy done(&demo, &GuidedDemo::stepActionsFinished);
    QSignalSpy finished(&demo, &GuidedDemo::finished);
    demo.start(GuidedDemo::script(2, 0.0));
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 5000);
    QTest::qWait(200); // paused: no move without Next
    QCOMPARE(demo.currentStep(), 0);
    QCOMPARE(started.count(), 1);
    demo.next();
    QCOMPARE(demo.currentStep(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 2, 5000);
    const int sendsBefore = int(farm.log.filter(QStringLiteral("send")).size());
    demo.back(); // re-runs the first step's actions
    QCOMPARE(demo.currentStep(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 3, 5000);
    QCOMPARE(farm.log.filter(QStringLiteral("send")).size(), sendsBefore + 2);
    QCOMPARE(farm.log.last(), QStringLiteral("send 1"));
    demo.back(); // nothing before the first
    QCOMPARE(demo.currentStep(), 0);
    // Next while a step's actions run moves on at once; its late answers are ignored.
    demo.next();
    demo.next();
    QCOMPARE(demo.currentStep(), 2);
    demo.setReadingPauseMs(0);
    demo.setAutoPlay(true);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QVERIFY(qvariant_cast<Result<void>>(finished.at(0).at(0)).ok());
}

void tst_GuidedDemo::waitsForSwitch()
{
    std::function<void(const Result<void> &)> pending;
    int sends = 0;
    GuidedDemo::Hooks hooks;
    hooks.send = [&sends](int, const QString &) { ++sends; };
    hooks.switchMode = [&pending](BackplaneMode, std::function<void(const Result<void> &)> done) {
        pending = std::move(done);
    };
    GuidedDemo demo(hooks);
    DemoAction toPubSub;
    toPubSub.kind = Kind::SwitchMode;
    toPubSub.mode = BackplaneMode::PubSub;
    DemoAction send;
    send.kind = Kind::Send;
    send.text = QStringLiteral("hi");
    QSignalSpy done(&demo, &GuidedDemo::stepActionsFinished);
    demo.start({DemoStep {QStringLiteral("t"), QStringLiteral("n"), {toPubSub, send}}});
    QTRY_VERIFY_WITH_TIMEOUT(bool(pending), 2000);
    QTest::qWait(300); // nothing may happen while the switch is under way
    QCOMPARE(sends, 0);
    pending({});
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 2000);
    QCOMPARE(sends, 1);
}

void tst_GuidedDemo::switchFailureStops()
{
    FakeFarm farm;
    GuidedDemo::Hooks hooks = farm.hooks();
    hooks.switchMode = [](BackplaneMode, std::function<void(const Result<void> &)> done) {
        done(Result<void>::failure(QStringLiteral("HTTP 401")));
    };
    GuidedDemo demo(hooks);
    QSignalSpy finished(&demo, &GuidedDemo::finished);
    demo.start(GuidedDemo::script(2, 0.0));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 2000);
    const auto outcome = qvariant_cast<Result<void>>(finished.at(0).at(0));
    QVERIFY(!outcome.ok());
    QVERIFY(outcome.error().contains(QStringLiteral("HTTP 401")));
    QCOMPARE(farm.log.filter(QStringLiteral("send")).size(), 0);
}

void tst_GuidedDemo::waitGivesUp()
{
    FakeFarm farm;
    GuidedDemo::Hooks hooks = farm.hooks();
    hooks.reached = [](DemoAction::Until) { return false; };
    GuidedDemo demo(hooks);
    QSignalSpy finished(&demo, &GuidedDemo::finished);
    DemoAction wait;
    wait.kind = Kind::Wait;
    wait.until = DemoAction::Until::RedisBack;
    wait.ms = 300;
    demo.start({DemoStep {QStringLiteral("t"), QStringLiteral("n"), {wait}}});
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 3000);
    const auto outcome = qvariant_cast<Result<void>>(finished.at(0).at(0));
    QVERIFY2(outcome.error().contains(QStringLiteral("Redis")), qPrintable(outcome.error()));
}

void tst_GuidedDemo::cancel()
{
    std::function<void(const Result<void> &)> pending;
    FakeFarm farm;
    GuidedDemo::Hooks hooks = farm.hooks();
    hooks.switchMode = [&pending](BackplaneMode, std::function<void(const Result<void> &)> done) {
        pending = std::move(done);
    };
    GuidedDemo demo(hooks);
    QSignalSpy finished(&demo, &GuidedDemo::finished);
    demo.start(GuidedDemo::script(2, 0.0));
    QTRY_VERIFY_WITH_TIMEOUT(bool(pending), 2000);
    demo.cancel();
    QCOMPARE(finished.count(), 1);
    QCOMPARE(qvariant_cast<Result<void>>(finished.at(0).at(0)).ok(), false);
    pending({}); // a late answer after cancel changes nothing
    QTest::qWait(200);
    QCOMPARE(farm.log.filter(QStringLiteral("send")).size(), 0);
    QCOMPARE(finished.count(), 1);
}

void tst_GuidedDemo::balancerChapter()
{
    for (const DemoStep &step : GuidedDemo::script(2)) {
        for (const DemoAction &a : step.actions)
            QVERIFY(a.kind != Kind::Balancer);
    }
    FakeFarm farm;
    GuidedDemo demo(farm.hooks());
    demo.setPace(0.0);
    demo.setReadingPauseMs(0);
    QSignalSpy started(&demo, &GuidedDemo::stepStarted);
    QSignalSpy finished(&demo, &GuidedDemo::finished);
    demo.start(GuidedDemo::script(3, 0.0, LbPolicy::Sticky));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QVERIFY(qvariant_cast<Result<void>>(finished.at(0).at(0)).ok());
    const QStringList &log = farm.log;
    const qsizetype maint = log.indexOf(QStringLiteral("maint 0"));
    const qsizetype ready = log.indexOf(QStringLiteral("ready 0"));
    QVERIFY(maint > log.indexOf(QStringLiteral("redis up")));
    QVERIFY(ready > maint + 1);
    QVERIFY(log.mid(maint, ready - maint).filter(QStringLiteral("send")).size() >= 1);
    QVERIFY(titles(started).contains(QStringLiteral("Behind the load balancer")));
}

QTEST_GUILESS_MAIN(tst_GuidedDemo)
#include "tst_guideddemo.moc"
