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
        }});
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
        }});
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
        }});
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
        }});
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

QTEST_GUILESS_MAIN(tst_GuidedDemo)
#include "tst_guideddemo.moc"
