// The guided demo end to end, offscreen, against a real farm (3 farmchat-node
// processes and a private redis-server): Ctrl+D with no farm launches one and
// starts the demo; the Guided demo dock shows each step's title in order and
// keeps it while the status bar changes; Back and Next move while auto-play
// is off; the lesson ends with pub/sub's counted loss against streams'
// complete delivery, in the verdict's words. Fast pace and reading pause.
#include "appfarmfixture.h"

#include "app/chatpane.h"
#include "app/controlspanel.h"
#include "app/deliverymatrixmodel.h"
#include "app/deliverymatrixview.h"
#include "app/demopanel.h"
#include "app/farmworkspace.h"
#include "app/guideddemo.h"
#include "app/mainwindow.h"
#include "app/nodepalette_p.h"
#include "app/panegrid.h"
#include "app/panesession.h"
#include "app/topologyview.h"
#include "client/deliveryverdict.h"
#include "launcher/farmsupervisor.h"

#include <QAbstractButton>
#include <QAction>
#include <QCheckBox>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace farmchat;

namespace {

constexpr int kNodes = 3;
constexpr int kReadingMs = 250;

// Which of the step's title, narration and verdict is not wholly in view
// (clipped by the dock or a scrolled area); "" when all are.
QString wordsInView(DemoPanel *panel)
{
    QStringList hidden;
    for (QLabel *label : {panel->titleLabel(), panel->narrationLabel(), panel->verdictLabel()}) {
        if (label->text().isEmpty())
            continue;
        const QRect seen = label->visibleRegion().boundingRect();
        if (!label->isVisible() || seen != label->rect())
            hidden << QStringLiteral("\"%1\": %2 of %3 px high in view in a %4 px dock")
                          .arg(label->text().left(30))
                          .arg(seen.height())
                          .arg(label->height())
                          .arg(panel->height());
    }
    return hidden.join(QStringLiteral("; "));
}

QString columnWidths(QTableView *table)
{
    QStringList widths;
    for (int c = 0; c < table->model()->columnCount(); ++c)
        widths << QString::number(table->columnWidth(c));
    return widths.join(u' ');
}

} // namespace

class tst_DemoPanel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void demoLaunchesTheFarmAndTeaches();
    void matrixCellsAreWholeAndRowsShow();
    void matrixMessageColumnStaysReadable();
    void demoDockLeavesTheFaultsDockItsRoom();
    void topologyPartsNeverOverlap();
    void emptyPaneNameSaysWhyAtTheFieldAndKeepsTheName();
    void stopSaysTheFarmStoppedAndClearsTheTopology();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
};

void tst_DemoPanel::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    const QString missing = test::farmPrerequisites();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
    const quint16 base = test::freePortRun(kNodes);
    QVERIFY2(base != 0, "no run of free ports found");
    AppOptions options;
    options.nodes = kNodes;
    options.basePort = base;
    options.backplane = BackplaneMode::Streams;
    m_window = std::make_unique<MainWindow>(options, test::scratchSettings(m_dir));
    m_window->resize(1280, 720); // the smallest screen the layout is made for
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void tst_DemoPanel::cleanupTestCase()
{
    if (!m_window)
        return;
    const QList<qint64> pids = test::farmPids(m_window->workspace().supervisor());
    m_window->workspace().stop();
    QTRY_COMPARE_WITH_TIMEOUT(
        m_window->workspace().supervisor().state(), FarmState::Stopped, 15000);
    m_window.reset();
    for (const qint64 pid : pids)
        QVERIFY(!test::processAlive(pid));
}

void tst_DemoPanel::demoLaunchesTheFarmAndTeaches()
{
    FarmWorkspace &workspace = m_window->workspace();
    GuidedDemo &demo = m_window->guidedDemo();
    DemoPanel *panel = m_window->demoPanel();
    QVERIFY(panel);
    demo.setReadingPauseMs(kReadingMs);
    demo.setPace(0.2);
    // The steps as the panel showed them, and whether each title survived its actions.
    QStringList shown;
    QStringList keptTitle;
    QString verdictShown;
    connect(&demo, &GuidedDemo::stepStarted, this,
        [&](int, int, const QString &) { shown << panel->titleText(); });
    connect(&demo, &GuidedDemo::stepActionsFinished, this, [&](int step) {
        if (panel->titleText() == demo.step(step).title)
            keptTitle << panel->titleText();
    });
    connect(&demo, &GuidedDemo::verdictReady, this, [&] { verdictShown = panel->verdictText(); });
    QSignalSpy finished(&demo, &GuidedDemo::finished);

    // Ctrl+D with no farm: a farm with the farm bar's settings, then the demo.
    QCOMPARE(workspace.supervisor().state(), FarmState::Stopped);
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    QTest::keyClick(m_window.get(), Qt::Key_D, Qt::ControlModifier);
    QVERIFY(workspace.supervisor().state() != FarmState::Stopped);
    QVERIFY(!m_window->statusMessage().contains(QStringLiteral("Launch the farm first")));
    QTRY_VERIFY_WITH_TIMEOUT(demo.isRunning(), 30000);
    QCOMPARE(workspace.paneCount(), kNodes);
    auto *dock = m_window->findChild<QDockWidget *>(QStringLiteral("demoDock"));
    QVERIFY(dock && dock->isVisible());

    // Auto-play on to the second step, then paused: Back and Next move by hand.
    QTRY_COMPARE_WITH_TIMEOUT(demo.currentStep(), 1, 20000);
    QTest::mouseClick(panel->autoPlayBox(), Qt::LeftButton);
    QVERIFY(!demo.autoPlay());
    QTRY_VERIFY_WITH_TIMEOUT(!demo.isBusy(), 15000);
    QTest::qWait(kReadingMs * 3); // paused: it stays
    QCOMPARE(demo.currentStep(), 1);
    QTest::mouseClick(panel->backButton(), Qt::LeftButton);
    QCOMPARE(demo.currentStep(), 0);
    QCOMPARE(panel->titleText(), demo.step(0).title);
    QTRY_VERIFY_WITH_TIMEOUT(!demo.isBusy(), 15000);
    QTest::mouseClick(panel->nextButton(), Qt::LeftButton);
    QCOMPARE(demo.currentStep(), 1);
    QCOMPARE(panel->titleText(), demo.step(1).title);
    // On to the end by hand: each step's words, and the lesson's verdict, in
    // view at 1280×720 without scrolling.
    int verdictsSeen = 0;
    while (finished.isEmpty()) {
        QTRY_VERIFY_WITH_TIMEOUT(!demo.isBusy() || !finished.isEmpty(), 60000);
        if (!finished.isEmpty())
            break;
        QTRY_VERIFY2_WITH_TIMEOUT(
            wordsInView(panel).isEmpty(), qPrintable(wordsInView(panel)), 5000);
        if (!panel->verdictText().isEmpty())
            ++verdictsSeen;
        QTest::mouseClick(panel->nextButton(), Qt::LeftButton);
    }
    QCOMPARE(verdictsSeen, 1);
    QCOMPARE(finished.count(), 1);
    const auto outcome = qvariant_cast<Result<void>>(finished.at(0).at(0));
    QVERIFY2(outcome.ok(), qPrintable(outcome.error()));

    const QList<DemoStep> steps = GuidedDemo::script(kNodes);
    QStringList expected;
    for (const DemoStep &s : steps)
        expected << s.title;
    QCOMPARE(shown,
        (QStringList {expected[0], expected[1], expected[0], expected[1]} + expected.mid(2)));
    QCOMPARE(keptTitle, shown); // the title stayed while its step switched modes and sent

    // The lesson: pub/sub's counted loss against streams' complete delivery.
    const DeliveryVerdict pubsub = judgeDeliveries(workspace.tracker(), BackplaneMode::PubSub);
    const DeliveryVerdict streams = judgeDeliveries(workspace.tracker(), BackplaneMode::Streams);
    QVERIFY2(pubsub.lostCounted >= 1, qPrintable(pubsub.text()));
    QVERIFY2(pubsub.promiseKept(), qPrintable(pubsub.text()));
    QVERIFY2(streams.messages >= 1 && streams.kept == streams.messages, qPrintable(streams.text()));
    QCOMPARE(streams.lostCounted + streams.lostUncounted + streams.pending, 0);
    QVERIFY2(verdictShown.contains(QStringLiteral("expected for pub/sub, counted")),
        qPrintable(verdictShown));
    QVERIFY2(verdictShown.contains(streams.text()), qPrintable(verdictShown));
    QVERIFY(streams.text().endsWith(QStringLiteral("— as promised")));
    QCOMPARE(panel->nextButton()->text(), QStringLiteral("Start")); // over: Next starts it again
    // The user's turn stays: its title and instructions, the end added to them.
    QCOMPARE(panel->titleText(), steps.last().title);
    QVERIFY2(panel->narrationText().startsWith(steps.last().narration),
        qPrintable(panel->narrationText()));
    QVERIFY2(panel->narrationText().contains(QStringLiteral("The demo is over")),
        qPrintable(panel->narrationText()));
    QVERIFY2(wordsInView(panel).isEmpty(), qPrintable(wordsInView(panel)));
}

void tst_DemoPanel::matrixCellsAreWholeAndRowsShow()
{
    QTableView *table = m_window->matrixView()->table();
    QAbstractItemModel *model = table->model();
    QVERIFY(model->rowCount() >= 2);
    const QFontMetrics fm(table->font());
    for (int r = 0; r < model->rowCount(); ++r) {
        for (int c = 1; c < model->columnCount(); ++c) {
            const QString text = model->index(r, c).data().toString();
            QVERIFY2(table->columnWidth(c) >= fm.horizontalAdvance(text) + 4,
                qPrintable(QStringLiteral("\"%1\" in a column %2 px wide")
                               .arg(text)
                               .arg(table->columnWidth(c))));
        }
    }
    // At 1280×720 the matrix shows a useful number of rows.
    const int rows = table->viewport()->height() / table->verticalHeader()->defaultSectionSize();
    QVERIFY2(rows >= 5, qPrintable(QString::number(rows)));
}

void tst_DemoPanel::matrixMessageColumnStaysReadable()
{
    // From the tenth row on the table scrolls; the message column keeps its
    // width and shows the sender and the first words of every message.
    FarmWorkspace &workspace = m_window->workspace();
    QTableView *table = m_window->matrixView()->table();
    QAbstractItemModel *model = table->model();
    workspace.clearMatrix();
    QCOMPARE(model->rowCount(), 0);
    const auto send = [&](int from, int to) {
        for (int i = from; i < to; ++i)
            workspace.sendFrom(
                i % kNodes, QStringLiteral("Message %1 of the readable column").arg(i + 1));
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), to, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(workspace.tracker().isSettled(), 10000);
        QTest::qWait(0); // the header's sections
    };
    send(0, 2);
    QCOMPARE(table->verticalScrollBar()->maximum(), 0); // nothing to scroll yet
    const int few = table->columnWidth(DeliveryMatrixModel::kMessageColumn);
    send(2, 14);
    QTRY_VERIFY_WITH_TIMEOUT(table->verticalScrollBar()->maximum() > 0, 5000);
    const int many = table->columnWidth(DeliveryMatrixModel::kMessageColumn);
    QVERIFY2(many >= few,
        qPrintable(QStringLiteral("%1 px with 2 rows, %2 with 14").arg(few).arg(many)));
    const QFontMetrics fm(table->font());
    for (int r = 0; r < model->rowCount(); ++r) {
        const QString label
            = model->index(r, DeliveryMatrixModel::kMessageColumn).data().toString();
        QVERIFY2(label.startsWith(QStringLiteral("user-")), qPrintable(label));
        // "user-2: Message 12 o": who, and the first words.
        const QString head = label.left(20);
        QVERIFY2(many >= fm.horizontalAdvance(head) + fm.height(),
            qPrintable(QStringLiteral("\"%1\" in a %2 px column of %3 (columns %4)")
                           .arg(head)
                           .arg(many)
                           .arg(table->viewport()->width())
                           .arg(columnWidths(table))));
    }
    // Nothing is pushed off to the side either.
    QVERIFY(!table->horizontalScrollBar()->isVisible());
}

void tst_DemoPanel::demoDockLeavesTheFaultsDockItsRoom()
{
    // The demo dock sits beside the Faults dock: its words wrap and its
    // state line elides rather than push the Faults controls out of view.
    ControlsPanel *controls = m_window->controls();
    QWidget *viewport = controls->parentWidget();
    QVERIFY(viewport);
    for (QAbstractButton *b : controls->findChildren<QAbstractButton *>()) {
        if (!b->isVisible())
            continue;
        const QRect at(b->mapTo(viewport, QPoint(0, 0)), b->size());
        QVERIFY2(viewport->rect().contains(at),
            qPrintable(QStringLiteral("\"%1\" at %2,%3 %4x%5 outside %6x%7")
                           .arg(b->text())
                           .arg(at.x())
                           .arg(at.y())
                           .arg(at.width())
                           .arg(at.height())
                           .arg(viewport->width())
                           .arg(viewport->height())));
    }
}

namespace {

// Whether the segment a–b passes through the inside of `box` (sampled finely).
bool crosses(QPointF a, QPointF b, const QRectF &box)
{
    const QRectF inside = box.adjusted(0.5, 0.5, -0.5, -0.5);
    for (int step = 0; step <= 200; ++step) {
        if (inside.contains(a + (b - a) * (step / 200.0)))
            return true;
    }
    return false;
}

} // namespace

void tst_DemoPanel::topologyPartsNeverOverlap()
{
    // The Topology dock as the window gives it, after the demo grew its own
    // dock: for 1 to 8 nodes around one Redis, behind a load balancer and
    // with Sentinels, no node, caption, ↑/↓ count, ✕ mark, Redis box, HAProxy
    // box, server, Sentinel or quorum caption covers another, each caption
    // has room for its words, HAProxy's lines to the nodes pass clear of
    // Redis and the nodes' links clear of HAProxy.
    TopologyView *topology = m_window->topologyView();
    const QFontMetricsF fm(topology->font());
    QFont bold = topology->font();
    bold.setBold(true);
    const QFontMetricsF boldFm(bold);
    const double caption = fm.horizontalAdvance(QStringLiteral("streams"));
    const double counts = fm.horizontalAdvance(QStringLiteral("↑999 ↓999"));
    const QString quorumLost = QStringLiteral("✕ no Sentinel quorum: no failover possible");
    using Shape = TopologyView::Shape;
    const std::pair<Shape, QString> shapes[] = {{Shape::Single, QStringLiteral("one Redis")},
        {Shape::Balancer, QStringLiteral("load balancer")},
        {Shape::Sentinels, QStringLiteral("Sentinels")}};
    for (const QSize window : {QSize(1280, 720), QSize(1600, 1000)}) {
        m_window->resize(window);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->size(), window, 5000);
        QTest::qWait(0); // the docks' layout
        const QSizeF size = topology->size();
        for (const auto &[shape, shapeName] : shapes) {
            for (int nodes = 1; nodes <= 8; ++nodes) {
                const TopologyLayout layout = topology->layoutFor(nodes, size, shape);
                const auto parts = layout.parts();
                const QString where
                    = QStringLiteral("%1 nodes, %2, in a %3×%4 view (window %5×%6, em %7)")
                          .arg(nodes)
                          .arg(shapeName)
                          .arg(size.width())
                          .arg(size.height())
                          .arg(window.width())
                          .arg(window.height())
                          .arg(fm.height());
                for (qsizetype a = 0; a < parts.size(); ++a) {
                    QVERIFY2(QRectF(QPointF(0, 0), size).contains(parts[a].second),
                        qPrintable(parts[a].first + QStringLiteral(" outside the view: ") + where));
                    for (qsizetype b = a + 1; b < parts.size(); ++b)
                        QVERIFY2(!parts[a].second.intersects(parts[b].second),
                            qPrintable(parts[a].first + QStringLiteral(" covers ") + parts[b].first
                                + QStringLiteral(": ") + where));
                }
                for (int i = 0; i < nodes; ++i) {
                    QVERIFY2(layout.captions[i].width() >= caption, qPrintable(where));
                    QVERIFY2(layout.counters[i].width() >= counts, qPrintable(where));
                }
                if (shape == Shape::Balancer) {
                    QVERIFY2(!layout.balancer.isEmpty(), qPrintable(where));
                    const QPointF exit(layout.balancer.right(), layout.balancer.center().y());
                    for (int i = 0; i < nodes; ++i) {
                        QVERIFY2(!crosses(exit, layout.centres[i], layout.hub),
                            qPrintable(QStringLiteral("HAProxy's line to node %1 crosses Redis: ")
                                           .arg(i + 1)
                                + where));
                        QVERIFY2(!crosses(layout.centres[i], layout.ends[i], layout.balancer),
                            qPrintable(QStringLiteral("node %1's link crosses HAProxy: ").arg(i + 1)
                                + where));
                    }
                }
                if (shape == Shape::Sentinels) {
                    const QRectF wrapped = boldFm.boundingRect(
                        layout.quorum, Qt::AlignHCenter | Qt::TextWordWrap, quorumLost);
                    QVERIFY2(wrapped.height() <= layout.quorum.height() + 0.5,
                        qPrintable(QStringLiteral("the quorum caption is cut (%1 high, has %2): ")
                                       .arg(wrapped.height())
                                       .arg(layout.quorum.height())
                            + where));
                }
            }
        }
    }
    m_window->resize(1280, 720);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->size(), QSize(1280, 720), 5000);
}

void tst_DemoPanel::emptyPaneNameSaysWhyAtTheFieldAndKeepsTheName()
{
    ChatPane *pane = m_window->paneGrid()->pane(0);
    QVERIFY(pane);
    PaneSession *session = m_window->workspace().pane(0);
    const QString before = session->name();
    QVERIFY(!before.isEmpty());
    QLineEdit *name = pane->nameEdit();
    name->setFocus();
    name->selectAll();
    QTest::keyClick(name, Qt::Key_Delete);
    QTest::keyClick(name, Qt::Key_Return);
    // The old name stays, and the field says why, right under it.
    QCOMPARE(name->text(), before);
    QCOMPARE(session->name(), before);
    QLabel *note = pane->nameNote();
    QVERIFY(note->isVisible());
    QVERIFY2(note->text().contains(QStringLiteral("must not be empty")), qPrintable(note->text()));
    QVERIFY2(note->text().contains(before), qPrintable(note->text()));
    const QRect field(name->mapTo(pane, QPoint(0, 0)), name->size());
    const QRect at(note->mapTo(pane, QPoint(0, 0)), note->size());
    QVERIFY2(at.top() >= field.bottom() && at.top() - field.bottom() <= name->height(),
        qPrintable(
            QStringLiteral("note at y %1, field ends at %2").arg(at.top()).arg(field.bottom())));
    QVERIFY2(at.right() >= field.left() && at.left() <= field.right(),
        qPrintable(QStringLiteral("note %1–%2, field %3–%4")
                       .arg(at.left())
                       .arg(at.right())
                       .arg(field.left())
                       .arg(field.right())));
    QVERIFY(pane->rect().contains(at));
    // Focus leaving the restored field keeps the note; typing a new name answers it.
    pane->input()->setFocus();
    QVERIFY(note->isVisible());
    name->setFocus();
    QTest::keyClick(name, Qt::Key_End);
    QTest::keyClicks(name, QStringLiteral("x"));
    QVERIFY(!note->isVisible());
    QTest::keyClick(name, Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(session->name(), before + QStringLiteral("x"), 5000);
}

void tst_DemoPanel::stopSaysTheFarmStoppedAndClearsTheTopology()
{
    m_window->stopFarm();
    QTRY_COMPARE_WITH_TIMEOUT(
        m_window->workspace().supervisor().state(), FarmState::Stopped, 15000);
    PaneGrid *grid = m_window->paneGrid();
    QLabel *idle = grid->idleLabel();
    QTRY_VERIFY_WITH_TIMEOUT(idle->isVisible(), 5000);
    QTRY_VERIFY2_WITH_TIMEOUT(idle->width() >= grid->width() * 9 / 10,
        qPrintable(QStringLiteral("%1 of %2 px").arg(idle->width()).arg(grid->width())), 5000);
    // Not "no farm yet": the farm stopped, and Launch starts a new one.
    QVERIFY2(idle->text().startsWith(QStringLiteral("The farm stopped")), qPrintable(idle->text()));
    QVERIFY2(idle->text().contains(QStringLiteral("Launch (Ctrl+L)")), qPrintable(idle->text()));
    // The topology forgets the old farm: no failure dashes, no tokens, no counts.
    TopologyView *topology = m_window->topologyView();
    QVERIFY2(topology->placeholderText().contains(QStringLiteral("stopped")),
        qPrintable(topology->placeholderText()));
    QVERIFY(topology->flow().tokens().empty());
    for (int i = 0; i < kNodes; ++i) {
        QCOMPARE(topology->flow().linkCount(i, TopologyFlow::kRedis), quint64(0));
        QCOMPARE(topology->flow().linkCount(TopologyFlow::kRedis, i), quint64(0));
    }
    const QImage drawn = topology->grab().toImage();
    const QColor bad = nodepalette::bad(nodepalette::isDark(topology->palette()));
    int badPixels = 0;
    for (int y = 0; y < drawn.height(); ++y) {
        for (int x = 0; x < drawn.width(); ++x)
            badPixels += drawn.pixelColor(x, y).rgb() == bad.rgb() ? 1 : 0;
    }
    QCOMPARE(badPixels, 0);
}

QTEST_MAIN(tst_DemoPanel)
#include "tst_demopanel.moc"
