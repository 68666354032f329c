// One owner for what the user chooses: a window with no farm started, its
// FarmBar and ControlsPanel offscreen. FarmWorkspace holds the node count,
// base port and backplane mode; a value set there shows in every view, and an
// edit in any view (combo box, mode button, Ctrl+B, spin box) goes through the
// workspace and comes back to the others from its change signal.
#include "appfarmfixture.h"

#include "app/controlspanel.h"
#include "app/elidedlabel.h"
#include "app/farmbar.h"
#include "app/farmworkspace.h"
#include "app/mainwindow.h"
#include "app/messagedelegate_p.h"
#include "app/messagelistmodel.h"
#include "app/nodepalette_p.h"
#include "app/panegrid.h"

#include <QAbstractButton>
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <algorithm>

using namespace farmchat;

class tst_FarmViews : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void viewsStartWithTheWorkspaceValues();
    void modeSetOnTheWorkspaceShowsInEveryView();
    void comboRequestGoesThroughTheWorkspace();
    void modeButtonRequestGoesThroughTheWorkspace();
    void cycleGoesThroughTheWorkspace();
    void nodesAndPortFollowTheWorkspace();
    void spinEditsGoThroughTheWorkspace();
    void closeRemembersTheWorkspaceValues();
    void loadBalancerChoiceGoesThroughTheWorkspace();
    void loadBalancerChoiceIsRememberedAndLaunched();
    void nodeKindLimitsModesAndRedis();
    void nodeKindIsRememberedAndLaunched();
    void aspNetCoreIsOfferedOnlyWhenItsNodeIsThere();
    void nodeCountOutOfRangeSaysTheRange();
    void takenPortKeepsArrowsBlocksLaunchAndSuggests();
    void badNodeCountAndTakenPortAreBothSaid();
    void helpNamesTheColourBrokenLinksAreDrawnIn();
    void ownMessageIsNotMarkedCrossed();

private:
    // The mode each view shows; all equal to the workspace's in a consistent window.
    void compareShownModes(BackplaneMode expected);
    // Whether the item of `combo` holding `value` can be picked.
    static bool choiceEnabled(QComboBox *combo, int value);

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    FarmWorkspace *m_workspace = nullptr;
};

void tst_FarmViews::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    // Any executable stands for the ASP.NET Core node: these windows only offer it.
    qputenv("FARMCHAT_ASPNETCORE_NODE_BIN", QCoreApplication::applicationFilePath().toLocal8Bit());
}

bool tst_FarmViews::choiceEnabled(QComboBox *combo, int value)
{
    const auto *model = qobject_cast<QStandardItemModel *>(combo->model());
    return model && model->item(combo->findData(value))->isEnabled();
}

void tst_FarmViews::init()
{
    AppOptions options;
    options.nodes = 3;
    options.basePort = 20000;
    options.backplane = BackplaneMode::Streams;
    m_window = std::make_unique<MainWindow>(options, test::scratchSettings(m_dir));
    m_workspace = &m_window->workspace();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void tst_FarmViews::cleanup()
{
    m_window.reset();
}

void tst_FarmViews::compareShownModes(BackplaneMode expected)
{
    QCOMPARE(m_workspace->mode(), expected);
    QCOMPARE(m_window->mode(), expected);
    QCOMPARE(m_window->farmBar()->mode(), expected);
    for (const BackplaneMode mode :
        {BackplaneMode::Off, BackplaneMode::PubSub, BackplaneMode::Streams})
        QCOMPARE(m_window->controls()->modeButton(mode)->isChecked(), mode == expected);
}

void tst_FarmViews::viewsStartWithTheWorkspaceValues()
{
    // Every farm choice fits a 1280 px screen, with room for the progress bar.
    QVERIFY2(m_window->minimumSizeHint().width() <= 1280 - 80,
        qPrintable(QString::number(m_window->minimumSizeHint().width())));
    QCOMPARE(m_workspace->nodes(), 3);
    QCOMPARE(m_workspace->basePort(), quint16(20000));
    QCOMPARE(m_window->farmBar()->nodes(), 3);
    QCOMPARE(m_window->farmBar()->basePort(), quint16(20000));
    compareShownModes(BackplaneMode::Streams);
    const FarmConfig config = m_workspace->farmConfig();
    QCOMPARE(config.nodes, 3);
    QCOMPARE(config.basePort, quint16(20000));
    QCOMPARE(config.backplane, BackplaneMode::Streams);
}

void tst_FarmViews::modeSetOnTheWorkspaceShowsInEveryView()
{
    QSignalSpy changed(m_workspace, &FarmWorkspace::modeChanged);
    m_workspace->setMode(BackplaneMode::PubSub);
    QCOMPARE(changed.count(), 1);
    compareShownModes(BackplaneMode::PubSub);
    m_workspace->setMode(BackplaneMode::PubSub); // no change, no announcement
    QCOMPARE(changed.count(), 1);
}

void tst_FarmViews::comboRequestGoesThroughTheWorkspace()
{
    FarmBar *bar = m_window->farmBar();
    QSignalSpy requested(bar, &FarmBar::modeRequested);
    QSignalSpy changed(m_workspace, &FarmWorkspace::modeChanged);
    QTest::keyClick(bar->modeCombo(), Qt::Key_Up); // streams → pub/sub, as a user picks
    QCOMPARE(requested.count(), 1);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().first().value<BackplaneMode>(), BackplaneMode::PubSub);
    compareShownModes(BackplaneMode::PubSub);
}

void tst_FarmViews::modeButtonRequestGoesThroughTheWorkspace()
{
    ControlsPanel *controls = m_window->controls();
    QSignalSpy requested(controls, &ControlsPanel::modeRequested);
    QSignalSpy changed(m_workspace, &FarmWorkspace::modeChanged);
    controls->modeButton(BackplaneMode::Off)->click();
    QCOMPARE(requested.count(), 1);
    QCOMPARE(changed.count(), 1);
    compareShownModes(BackplaneMode::Off);
}

void tst_FarmViews::cycleGoesThroughTheWorkspace()
{
    QSignalSpy changed(m_workspace, &FarmWorkspace::modeChanged);
    m_window->action(QStringLiteral("cycleMode"))->trigger(); // streams → off
    QCOMPARE(changed.count(), 1);
    compareShownModes(BackplaneMode::Off);
    m_window->action(QStringLiteral("cycleMode"))->trigger();
    compareShownModes(BackplaneMode::PubSub);
}

void tst_FarmViews::nodesAndPortFollowTheWorkspace()
{
    QSignalSpy nodes(m_workspace, &FarmWorkspace::nodesChanged);
    QSignalSpy port(m_workspace, &FarmWorkspace::basePortChanged);
    m_workspace->setNodes(5);
    m_workspace->setBasePort(21000);
    QCOMPARE(nodes.count(), 1);
    QCOMPARE(port.count(), 1);
    QCOMPARE(m_window->farmBar()->nodes(), 5);
    QCOMPARE(m_window->farmBar()->basePort(), quint16(21000));
    QCOMPARE(m_workspace->farmConfig().nodes, 5);
    QCOMPARE(m_workspace->farmConfig().basePort, quint16(21000));
    // The empty grid tells how many nodes Launch starts.
    const QList<QLabel *> labels = m_window->paneGrid()->findChildren<QLabel *>();
    const bool idleTextFollows = std::any_of(labels.begin(), labels.end(),
        [](const QLabel *l) { return l->text().contains(QStringLiteral("start 5 chat nodes")); });
    QVERIFY(idleTextFollows);
}

void tst_FarmViews::spinEditsGoThroughTheWorkspace()
{
    FarmBar *bar = m_window->farmBar();
    QSignalSpy nodesRequested(bar, &FarmBar::nodesRequested);
    QSignalSpy nodes(m_workspace, &FarmWorkspace::nodesChanged);
    QTest::keyClick(bar->nodesSpin(), Qt::Key_Up);
    QCOMPARE(nodesRequested.count(), 1);
    QCOMPARE(nodes.count(), 1);
    QCOMPARE(m_workspace->nodes(), 4);
    QSignalSpy port(m_workspace, &FarmWorkspace::basePortChanged);
    QTest::keyClick(bar->basePortSpin(), Qt::Key_Down);
    QCOMPARE(port.count(), 1);
    QCOMPARE(m_workspace->basePort(), quint16(19999));
}

void tst_FarmViews::closeRemembersTheWorkspaceValues()
{
    m_workspace->setNodes(4);
    m_workspace->setBasePort(22000);
    m_workspace->setMode(BackplaneMode::PubSub);
    m_window->close();
    QVERIFY(!m_window->isVisible());
    auto settings = test::scratchSettings(m_dir);
    QCOMPARE(settings->value(QStringLiteral("farm/nodes")).toInt(), 4);
    QCOMPARE(settings->value(QStringLiteral("farm/basePort")).toInt(), 22000);
    QCOMPARE(
        settings->value(QStringLiteral("farm/backplane")).toString(), QStringLiteral("pubsub"));
}

void tst_FarmViews::loadBalancerChoiceGoesThroughTheWorkspace()
{
    FarmBar *bar = m_window->farmBar();
    QCOMPARE(bar->loadBalancer(), LbPolicy::None);
    QVERIFY(!bar->skipNegotiationBox()->isChecked());
    QVERIFY(bar->loadBalancerCombo()->isEnabled());
    QVERIFY(bar->skipNegotiationBox()->isEnabled());
    QSignalSpy lbChanged(m_workspace, &FarmWorkspace::loadBalancerChanged);
    QSignalSpy skipChanged(m_workspace, &FarmWorkspace::skipNegotiationChanged);
    // As a user picks: none → round-robin → sticky.
    QTest::keyClick(bar->loadBalancerCombo(), Qt::Key_Down);
    QTest::keyClick(bar->loadBalancerCombo(), Qt::Key_Down);
    QCOMPARE(lbChanged.count(), 2);
    QCOMPARE(m_workspace->loadBalancer(), LbPolicy::Sticky);
    QCOMPARE(bar->loadBalancer(), LbPolicy::Sticky);
    bar->skipNegotiationBox()->click();
    QCOMPARE(skipChanged.count(), 1);
    QVERIFY(m_workspace->skipNegotiation());
    // Set on the workspace, it shows in the bar.
    m_workspace->setLoadBalancer(LbPolicy::Source);
    m_workspace->setSkipNegotiation(false);
    QCOMPARE(bar->loadBalancer(), LbPolicy::Source);
    QVERIFY(!bar->skipNegotiationBox()->isChecked());
}

void tst_FarmViews::loadBalancerChoiceIsRememberedAndLaunched()
{
    m_workspace->setLoadBalancer(LbPolicy::RoundRobin);
    m_workspace->setSkipNegotiation(true);
    QCOMPARE(m_workspace->farmConfig().loadBalancer, LbPolicy::RoundRobin);
    m_window->close();
    {
        auto settings = test::scratchSettings(m_dir);
        QCOMPARE(settings->value(QStringLiteral("farm/loadBalancer")).toString(),
            QStringLiteral("round-robin"));
        QCOMPARE(settings->value(QStringLiteral("farm/skipNegotiation")).toBool(), true);
    }
    // The next window starts with them.
    m_window = std::make_unique<MainWindow>(AppOptions {}, test::scratchSettings(m_dir));
    QCOMPARE(m_window->workspace().loadBalancer(), LbPolicy::RoundRobin);
    QVERIFY(m_window->workspace().skipNegotiation());
    QCOMPARE(m_window->farmBar()->loadBalancer(), LbPolicy::RoundRobin);
    QVERIFY(m_window->farmBar()->skipNegotiationBox()->isChecked());
}

void tst_FarmViews::nodeKindLimitsModesAndRedis()
{
    FarmBar *bar = m_window->farmBar();
    ControlsPanel *controls = m_window->controls();
    auto *note = controls->findChild<QLabel *>(QStringLiteral("restartNote"));
    QVERIFY(note);
    QCOMPARE(bar->nodeKind(), NodeKind::FarmChat);
    QVERIFY(choiceEnabled(bar->nodeKindCombo(), int(NodeKind::AspNetCore)));
    QVERIFY(choiceEnabled(bar->modeCombo(), int(BackplaneMode::Streams)));
    QVERIFY(controls->modeButton(BackplaneMode::Streams)->isEnabled());
    QVERIFY(note->isHidden());
    m_workspace->setMode(BackplaneMode::PubSub);
    QSignalSpy kindChanged(m_workspace, &FarmWorkspace::nodeKindChanged);
    // As a user picks it: the server combo, one down.
    QTest::keyClick(bar->nodeKindCombo(), Qt::Key_Down);
    QCOMPARE(kindChanged.count(), 1);
    QCOMPARE(m_workspace->nodeKind(), NodeKind::AspNetCore);
    QCOMPARE(bar->nodeKind(), NodeKind::AspNetCore);
    // No streams and no Sentinel for ASP.NET Core nodes, each saying why.
    QVERIFY(!choiceEnabled(bar->modeCombo(), int(BackplaneMode::Streams)));
    QVERIFY(!choiceEnabled(bar->redisTopologyCombo(), int(RedisTopology::Sentinel)));
    QVERIFY(choiceEnabled(bar->modeCombo(), int(BackplaneMode::Off)));
    QAbstractButton *streams = controls->modeButton(BackplaneMode::Streams);
    QVERIFY(!streams->isEnabled());
    QVERIFY2(streams->toolTip().contains(QStringLiteral("no streams backplane")),
        qPrintable(streams->toolTip()));
    QVERIFY(!note->isHidden());
    // Ctrl+B's cycle passes over streams.
    m_workspace->cycleMode();
    QCOMPARE(m_workspace->mode(), BackplaneMode::Off);
    m_workspace->cycleMode();
    QCOMPARE(m_workspace->mode(), BackplaneMode::PubSub);
    // Back to FarmChat: everything is offered again.
    m_workspace->setNodeKind(NodeKind::FarmChat);
    QCOMPARE(bar->nodeKind(), NodeKind::FarmChat);
    QVERIFY(choiceEnabled(bar->modeCombo(), int(BackplaneMode::Streams)));
    QVERIFY(choiceEnabled(bar->redisTopologyCombo(), int(RedisTopology::Sentinel)));
    QVERIFY(streams->isEnabled());
    QVERIFY(!streams->toolTip().contains(QStringLiteral("no streams backplane")));
    QVERIFY(note->isHidden());
}

void tst_FarmViews::nodeKindIsRememberedAndLaunched()
{
    m_workspace->setNodeKind(NodeKind::AspNetCore);
    QCOMPARE(m_workspace->farmConfig().nodeKind, NodeKind::AspNetCore);
    m_window->close();
    {
        auto settings = test::scratchSettings(m_dir);
        QCOMPARE(settings->value(QStringLiteral("farm/nodeKind")).toString(),
            QStringLiteral("aspnetcore"));
    }
    m_window = std::make_unique<MainWindow>(AppOptions {}, test::scratchSettings(m_dir));
    QCOMPARE(m_window->workspace().nodeKind(), NodeKind::AspNetCore);
    QCOMPARE(m_window->farmBar()->nodeKind(), NodeKind::AspNetCore);
    // A flag wins over what was remembered, for this run.
    AppOptions options;
    options.nodeKind = NodeKind::FarmChat;
    m_window = std::make_unique<MainWindow>(options, test::scratchSettings(m_dir));
    QCOMPARE(m_window->workspace().nodeKind(), NodeKind::FarmChat);
}

void tst_FarmViews::aspNetCoreIsOfferedOnlyWhenItsNodeIsThere()
{
    const QByteArray node = qgetenv("FARMCHAT_ASPNETCORE_NODE_BIN");
    qputenv("FARMCHAT_ASPNETCORE_NODE_BIN",
        m_dir.filePath(QStringLiteral("no-such-node")).toLocal8Bit());
    m_window = std::make_unique<MainWindow>(AppOptions {}, test::scratchSettings(m_dir));
    qputenv("FARMCHAT_ASPNETCORE_NODE_BIN", node);
    QComboBox *kinds = m_window->farmBar()->nodeKindCombo();
    QVERIFY(!choiceEnabled(kinds, int(NodeKind::AspNetCore)));
    const QString why
        = kinds->itemData(kinds->findData(int(NodeKind::AspNetCore)), Qt::ToolTipRole).toString();
    QVERIFY2(why.contains(QStringLiteral("FARMCHAT_ASPNETCORE_NODE_BIN")), qPrintable(why));
    QVERIFY(choiceEnabled(kinds, int(NodeKind::FarmChat)));
}

void tst_FarmViews::nodeCountOutOfRangeSaysTheRange()
{
    FarmBar *bar = m_window->farmBar();
    QLineEdit *edit = bar->nodesSpin()->findChild<QLineEdit *>();
    QVERIFY(edit);
    for (const QString &typed : {QStringLiteral("0"), QStringLiteral("99")}) {
        edit->selectAll();
        QTest::keyClicks(edit, typed);
        QCOMPARE(bar->nodesSpin()->value(), typed.toInt()); // shown as typed, not reverted
        QVERIFY2(bar->problemText().contains(QStringLiteral("1 to 8 nodes")),
            qPrintable(bar->problemText()));
        QVERIFY(bar->nodesSpin()->property("flagged").toBool());
        QVERIFY(!bar->launchButton()->isEnabled());
        QCOMPARE(m_workspace->nodes(), 3); // the workspace keeps a valid count
    }
    edit->selectAll();
    QTest::keyClicks(edit, QStringLiteral("5"));
    QCOMPARE(m_workspace->nodes(), 5);
    QVERIFY(!bar->problemText().contains(QStringLiteral("nodes")));
    QVERIFY(!bar->nodesSpin()->property("flagged").toBool());
    QTRY_VERIFY_WITH_TIMEOUT(bar->launchButton()->isEnabled(), 5000);
}

void tst_FarmViews::takenPortKeepsArrowsBlocksLaunchAndSuggests()
{
    FarmBar *bar = m_window->farmBar();
    const quint16 base = test::freePortRun(3);
    QVERIFY(base != 0);
    m_workspace->setBasePort(base);
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, quint16(base + 1)));
    m_workspace->portCheck().checkNow();
    QTRY_VERIFY_WITH_TIMEOUT(!bar->portProblem().isEmpty(), 5000);
    QVERIFY(bar->basePortSpin()->property("flagged").toBool());
    // Marked through the palette: a style sheet would take the spin arrows away.
    QVERIFY(bar->basePortSpin()->styleSheet().isEmpty());
    QVERIFY(bar->basePortSpin()->buttonSymbols() != QAbstractSpinBox::NoButtons);
    QVERIFY(bar->basePortSpin()->palette().color(QPalette::Text)
        != m_window->palette().color(QPalette::Text));
    QVERIFY(!bar->launchButton()->isEnabled());
    // A free run of ports is offered; taking it clears the flag.
    QTRY_VERIFY_WITH_TIMEOUT(bar->suggestionButton()->isVisible(), 5000);
    const quint16 suggested = m_workspace->portCheck().suggestion();
    QVERIFY(suggested > base + 1);
    // The flag and the offer fit a 1280 px screen: the window need not grow past it.
    QVERIFY2(m_window->minimumSizeHint().width() <= 1280,
        qPrintable(QString::number(m_window->minimumSizeHint().width())));
    QVERIFY(bar->suggestionButton()->text().contains(QString::number(suggested)));
    QTest::mouseClick(bar->suggestionButton(), Qt::LeftButton);
    QCOMPARE(m_workspace->basePort(), suggested);
    QTRY_VERIFY_WITH_TIMEOUT(bar->portProblem().isEmpty(), 5000);
    QVERIFY(!bar->basePortSpin()->property("flagged").toBool());
    QVERIFY(bar->launchButton()->isEnabled());
    QVERIFY(!bar->suggestionButton()->isVisible());
}

void tst_FarmViews::badNodeCountAndTakenPortAreBothSaid()
{
    // Two bad inputs at once: each is said, in full, at 1280×720.
    m_window->resize(1280, 720);
    FarmBar *bar = m_window->farmBar();
    const quint16 base = test::freePortRun(3);
    QVERIFY(base != 0);
    m_workspace->setBasePort(base);
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, base));
    m_workspace->portCheck().checkNow();
    QTRY_VERIFY_WITH_TIMEOUT(!bar->portProblem().isEmpty(), 5000);
    QLineEdit *edit = bar->nodesSpin()->findChild<QLineEdit *>();
    QVERIFY(edit);
    edit->selectAll();
    QTest::keyClicks(edit, QStringLiteral("0"));
    QCOMPARE(bar->nodesSpin()->value(), 0);
    const QString port = QStringLiteral("port %1 is in use").arg(base);
    QTRY_VERIFY_WITH_TIMEOUT(bar->portProblemLabel()->isVisible(), 5000);
    QVERIFY(bar->nodesProblemLabel()->isVisible());
    QVERIFY2(bar->nodesProblemLabel()->text().contains(QStringLiteral("1 to 8 nodes")),
        qPrintable(bar->nodesProblemLabel()->text()));
    QVERIFY2(bar->portProblemLabel()->text().contains(port),
        qPrintable(bar->portProblemLabel()->text()));
    // Both read in full, inside the window.
    for (const ElidedLabel *label : {bar->nodesProblemLabel(), bar->portProblemLabel()}) {
        QVERIFY2(!label->isElided(), qPrintable(label->shownText()));
        const QRect at(label->mapTo(m_window.get(), QPoint(0, 0)), label->size());
        QVERIFY2(m_window->rect().contains(at), qPrintable(label->text()));
    }
    QVERIFY(bar->problemText().contains(QStringLiteral("1 to 8 nodes")));
    QVERIFY(bar->problemText().contains(port));
    QVERIFY(bar->launchProblem().contains(QStringLiteral("1 to 8 nodes")));
    QVERIFY(bar->launchProblem().contains(port));
    QVERIFY(!bar->launchButton()->isEnabled());
    // Fixing one leaves the other said.
    edit->selectAll();
    QTest::keyClicks(edit, QStringLiteral("3"));
    QVERIFY(!bar->nodesProblemLabel()->isVisible());
    QVERIFY(bar->portProblemLabel()->isVisible());
    QVERIFY(!bar->launchButton()->isEnabled());
}

void tst_FarmViews::helpNamesTheColourBrokenLinksAreDrawnIn()
{
    // The topology draws a broken link in nodepalette::bad(); F1 names that colour.
    const QString help = MainWindow::helpText();
    const QString name = nodepalette::badName();
    QVERIFY2(help.contains(QStringLiteral("dashed %1 link").arg(name)), qPrintable(help));
    QVERIFY(!help.contains(QStringLiteral("dashed red")));
    // And the name is the colour's: orange is a hue of about 15° to 45°, in light and dark.
    QCOMPARE(name, QStringLiteral("orange"));
    for (const bool dark : {false, true}) {
        const int hue = nodepalette::bad(dark).hue();
        QVERIFY2(hue >= 15 && hue <= 45, qPrintable(QString::number(hue)));
    }
}

void tst_FarmViews::ownMessageIsNotMarkedCrossed()
{
    // In streams every message, the sender's own too, comes back through
    // Redis; only another pane's shows "⇄ streams".
    MessageListModel model;
    ChatMessage own;
    own.id = QStringLiteral("m1");
    own.from = QStringLiteral("user-1");
    own.text = QStringLiteral("mine");
    own.node = QStringLiteral("node-1");
    own.via = Via::Streams;
    ChatMessage other = own;
    other.id = QStringLiteral("m2");
    other.from = QStringLiteral("user-2");
    model.append(own, false, true);
    model.append(other, false, false);
    model.flush();
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(MessageDelegate::markerText(model.index(0)), QString());
    QCOMPARE(MessageDelegate::markerText(model.index(1)), QStringLiteral("⇄ streams"));
}

QTEST_MAIN(tst_FarmViews)
#include "tst_farmviews.moc"
