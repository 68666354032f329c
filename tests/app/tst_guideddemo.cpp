// GuidedDemo: the script shows off, then pub/sub, then streams, and the runner
// calls its hooks in order, waits for each switch, and stops on failure or cancel.
#include "app/guideddemo.h"

#include <QSignalSpy>
#include <QTest>

using namespace farmchat;

class tst_GuidedDemo : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void script_data();
    void script();
    void runsInOrder();
    void waitsForSwitch();
    void switchFailureStops();
    void cancel();
    void balancerChapter();
    void balancerFailureStops();
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
    QList<BackplaneMode> switches;
    QSet<int> senders;
    int sendsBeforeFirstOn = 0;
    for (const DemoStep &step : steps) {
        if (step.kind == DemoStep::Kind::SwitchMode)
            switches << step.mode;
        if (step.kind == DemoStep::Kind::Send) {
            QVERIFY(step.pane >= 0 && step.pane < panes);
            QVERIFY(!step.text.isEmpty());
            senders.insert(step.pane);
            if (switches.size() == 1)
                ++sendsBeforeFirstOn;
        }
    }
    QCOMPARE(switches,
        (QList<BackplaneMode> {BackplaneMode::Off, BackplaneMode::PubSub, BackplaneMode::Streams}));
    QVERIFY(sendsBeforeFirstOn >= 2); // the problem is shown with messages, not words
    QCOMPARE(senders.size(), qMin(panes, 2)); // first and last pane talk
    QCOMPARE(steps.first().kind, DemoStep::Kind::Say);
    QCOMPARE(steps.last().kind, DemoStep::Kind::Say);
}

void tst_GuidedDemo::runsInOrder()
{
    QStringList log;
    GuidedDemo demo({[&log](int pane, const QString &text) {
                         log << QStringLiteral("send %1 %2").arg(pane).arg(text);
                     },
        [&log](BackplaneMode mode, std::function<void(const Result<void> &)> done) {
            log << QStringLiteral("switch %1").arg(modeName(mode));
            done({});
        },
        {}});
    QSignalSpy narration(&demo, &GuidedDemo::narration);
    QSignalSpy finished(&demo, &GuidedDemo::finished);
    demo.start(GuidedDemo::script(3, 0.0));
    QVERIFY(demo.isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QCOMPARE(qvariant_cast<Result<void>>(finished.at(0).at(0)).ok(), true);
    QVERIFY(!demo.isRunning());
    QCOMPARE(log.first(), QStringLiteral("switch off"));
    QVERIFY(log.indexOf(QStringLiteral("switch pubsub")) > 2);
    QVERIFY(log.indexOf(QStringLiteral("switch streams"))
        > log.indexOf(QStringLiteral("switch pubsub")));
    QVERIFY(log.at(1).startsWith(QStringLiteral("send 0 ")));
    QVERIFY(log.at(2).startsWith(QStringLiteral("send 2 ")));
    QVERIFY(narration.count() >= 4);
}

void tst_GuidedDemo::waitsForSwitch()
{
    std::function<void(const Result<void> &)> pending;
    int sends = 0;
    GuidedDemo demo({[&sends](int, const QString &) { ++sends; },
        [&pending](BackplaneMode, std::function<void(const Result<void> &)> done) {
            pending = std::move(done);
        },
        {}});
    QList<DemoStep> steps {{DemoStep::Kind::SwitchMode, {}, 0, BackplaneMode::PubSub, 0},
        {DemoStep::Kind::Send, QStringLiteral("hi"), 0, BackplaneMode::Off, 0}};
    QSignalSpy finished(&demo, &GuidedDemo::finished);
    demo.start(steps);
    QTRY_VERIFY_WITH_TIMEOUT(bool(pending), 2000);
    QTest::qWait(300); // nothing may happen while the switch is under way
    QCOMPARE(sends, 0);
    pending({});
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 2000);
    QCOMPARE(sends, 1);
}

void tst_GuidedDemo::switchFailureStops()
{
    int sends = 0;
    GuidedDemo demo({[&sends](int, const QString &) { ++sends; },
        [](BackplaneMode, std::function<void(const Result<void> &)> done) {
            done(Result<void>::failure(QStringLiteral("HTTP 401")));
        },
        {}});
    QSignalSpy finished(&demo, &GuidedDemo::finished);
    demo.start(GuidedDemo::script(2, 0.0));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 2000);
    QCOMPARE(qvariant_cast<Result<void>>(finished.at(0).at(0)).ok(), false);
    QVERIFY(qvariant_cast<Result<void>>(finished.at(0).at(0))
                .error()
                .contains(QStringLiteral("HTTP 401")));
    QCOMPARE(sends, 0);
}

void tst_GuidedDemo::cancel()
{
    std::function<void(const Result<void> &)> pending;
    int sends = 0;
    GuidedDemo demo({[&sends](int, const QString &) { ++sends; },
        [&pending](BackplaneMode, std::function<void(const Result<void> &)> done) {
            pending = std::move(done);
        },
        {}});
    QSignalSpy finished(&demo, &GuidedDemo::finished);
    demo.start(GuidedDemo::script(2, 0.0));
    QTRY_VERIFY_WITH_TIMEOUT(bool(pending), 2000);
    demo.cancel();
    QCOMPARE(finished.count(), 1);
    QCOMPARE(qvariant_cast<Result<void>>(finished.at(0).at(0)).ok(), false);
    pending({}); // a late answer after cancel changes nothing
    QTest::qWait(200);
    QCOMPARE(sends, 0);
    QCOMPARE(finished.count(), 1);
}

void tst_GuidedDemo::balancerChapter()
{
    // Without a balancer: three chapters, no balancer step.
    for (const DemoStep &step : GuidedDemo::script(2))
        QVERIFY(step.kind != DemoStep::Kind::Balancer);
    QStringList log;
    GuidedDemo demo(
        {[&log](int pane, const QString &) { log << QStringLiteral("send %1").arg(pane); },
            [&log](BackplaneMode mode, std::function<void(const Result<void> &)> done) {
                log << QStringLiteral("switch %1").arg(modeName(mode));
                done({});
            },
            [&log](int node, LbServerAdmin state, std::function<void(const Result<void> &)> done) {
                log << QStringLiteral("%1 %2").arg(lbServerAdminName(state)).arg(node);
                done({});
            }});
    QSignalSpy narration(&demo, &GuidedDemo::narration);
    QSignalSpy finished(&demo, &GuidedDemo::finished);
    demo.start(GuidedDemo::script(3, 0.0, LbPolicy::Sticky));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QVERIFY(qvariant_cast<Result<void>>(finished.at(0).at(0)).ok());
    // After the three modes: maint on the first node, a message meanwhile, then ready.
    const qsizetype maint = log.indexOf(QStringLiteral("maint 0"));
    const qsizetype ready = log.indexOf(QStringLiteral("ready 0"));
    QVERIFY(maint > log.indexOf(QStringLiteral("switch streams")));
    QVERIFY(ready > maint + 1);
    QVERIFY(log.mid(maint, ready - maint).filter(QStringLiteral("send")).size() >= 1);
    QStringList said;
    for (const QList<QVariant> &line : std::as_const(narration))
        said << line.at(0).toString();
    QVERIFY(said.first().startsWith(QStringLiteral("Guided demo 1/4")));
    QVERIFY(!said.filter(QStringLiteral("Guided demo 4/4")).isEmpty());
    QVERIFY(!said.filter(QStringLiteral("sticky")).isEmpty());
}

void tst_GuidedDemo::balancerFailureStops()
{
    int sends = 0;
    GuidedDemo demo({[&sends](int, const QString &) { ++sends; },
        [](BackplaneMode, std::function<void(const Result<void> &)> done) { done({}); },
        [](int, LbServerAdmin, std::function<void(const Result<void> &)> done) {
            done(Result<void>::failure(QStringLiteral("the load balancer is not running")));
        }});
    QSignalSpy finished(&demo, &GuidedDemo::finished);
    demo.start(GuidedDemo::script(2, 0.0, LbPolicy::RoundRobin));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    const auto outcome = qvariant_cast<Result<void>>(finished.at(0).at(0));
    QVERIFY(!outcome.ok());
    QVERIFY2(
        outcome.error().contains(QStringLiteral("maint on node 1")), qPrintable(outcome.error()));
    QVERIFY(outcome.error().contains(QStringLiteral("not running")));
}

QTEST_GUILESS_MAIN(tst_GuidedDemo)
#include "tst_guideddemo.moc"
