// Screenshot of the real window on a real X server (run under xvfb-run): a
// 3-node farm and a short conversation, first with the backplane off, then
// over pub/sub. The PNG is kept in the build dir as a test artifact and, with
// FARMCHAT_UPDATE_SCREENSHOT=1, written to docs/screenshot.png for the README.
#include "appfarmfixture.h"

#include "app/chatpane.h"
#include "app/farmbar.h"
#include "app/farmworkspace.h"
#include "app/mainwindow.h"
#include "app/messagelistmodel.h"
#include "app/panegrid.h"
#include "app/panesession.h"
#include "launcher/farmsupervisor.h"

#include <QApplication>
#include <QDir>
#include <QGuiApplication>
#include <QImage>
#include <QLineEdit>
#include <QPalette>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace farmchat;

class tst_AppScreenshot : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void screenshot();
    void cleanupTestCase();

private:
    void say(int pane, const QString &text);
    void waitSettled();

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
};

void tst_AppScreenshot::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCOMPARE(
        QGuiApplication::platformName(), QStringLiteral("xcb")); // a real X server, not offscreen
    const QString missing = test::farmPrerequisites();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
}

void tst_AppScreenshot::cleanupTestCase()
{
    if (!m_window)
        return;
    m_window->workspace().stop();
    QTRY_COMPARE_WITH_TIMEOUT(
        m_window->workspace().supervisor().state(), FarmState::Stopped, 15000);
    m_window.reset();
}

void tst_AppScreenshot::say(int pane, const QString &text)
{
    ChatPane *chat = m_window->paneGrid()->pane(pane);
    QTest::keyClicks(chat->input(), text);
    QTest::keyClick(chat->input(), Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->workspace().pane(pane)->messages().rowCount() > 0, 5000);
    QTest::qWait(150);
}

void tst_AppScreenshot::waitSettled()
{
    QTest::qWait(100);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->workspace().tracker().isSettled(), 10000);
}

void tst_AppScreenshot::screenshot()
{
    const quint16 base = test::freePortRun(3);
    QVERIFY(base != 0);
    AppOptions options;
    options.nodes = 3;
    options.basePort = base;
    options.backplane = BackplaneMode::Off;
    m_window = std::make_unique<MainWindow>(options, test::scratchSettings(m_dir));
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    FarmWorkspace &workspace = m_window->workspace();
    const QStringList names {
        QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")};
    for (int i = 0; i < names.size(); ++i)
        workspace.setPaneName(i, names[i]);

    QTest::mouseClick(m_window->farmBar()->launchButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(test::allPanesConnected(workspace, 3), 30000);

    say(0, QStringLiteral("Hi, I'm on the first node. Anyone there?"));
    say(1, QStringLiteral("Bob here on node two. Can't see Alice..."));
    waitSettled();
    QSignalSpy switched(&workspace.supervisor(), &FarmSupervisor::backplaneRequestFinished);
    workspace.setMode(BackplaneMode::PubSub);
    QTRY_COMPARE_WITH_TIMEOUT(switched.count(), 1, 10000);
    say(0, QStringLiteral("Now over the Redis backplane (pub/sub)."));
    say(2, QStringLiteral("Carol on node three: got it, everyone sees everything."));
    say(1, QStringLiteral("Same here!"));
    waitSettled();
    for (int i = 0; i < 3; ++i)
        QTRY_VERIFY_WITH_TIMEOUT(workspace.pane(i)->messages().rowCount() >= 3, 5000);
    QTest::qWait(800); // let the last tokens of the topology land

    const QImage image = m_window->grab().toImage();
    QVERIFY(image.width() >= 800 && image.height() >= 500);
    // A real picture, not a blank window: many distinct colours.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 4) {
        for (int x = 0; x < image.width(); x += 4)
            colours.insert(image.pixel(x, y));
    }
    QVERIFY2(
        colours.size() > 100, qPrintable(QStringLiteral("only %1 colours").arg(colours.size())));

    const QString artifact = QDir(qEnvironmentVariable("FARMCHAT_BINARY_DIR", QDir::currentPath()))
                                 .filePath(QStringLiteral("tests/app/farmchat-screenshot.png"));
    QDir().mkpath(QFileInfo(artifact).absolutePath());
    QVERIFY2(image.save(artifact), qPrintable(artifact));
    qInfo("screenshot: %s (%dx%d)", qPrintable(artifact), image.width(), image.height());
    // A fault: node 2 killed (its pane red), a message sent meanwhile, node 2
    // restarted: its pane catches up from History (marked ↺).
    // Streams: a restarted node reads what it missed back from Redis (pub/sub would lose it).
    FarmSupervisor &farm = workspace.supervisor();
    workspace.setMode(BackplaneMode::Streams);
    QTRY_COMPARE_WITH_TIMEOUT(switched.count(), 2, 10000);
    farm.killNode(1);
    QTRY_VERIFY_WITH_TIMEOUT(workspace.pane(1)->state() != HubConnection::State::Connected, 10000);
    say(0, QStringLiteral("Sent while node two was down."));
    QTest::qWait(300);
    const QImage down = m_window->grab().toImage();
    farm.restartNode(1);
    QTRY_COMPARE_WITH_TIMEOUT(workspace.pane(1)->state(), HubConnection::State::Connected, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(workspace.pane(1)->messages().rowCount() >= 5, 10000);
    QTest::qWait(300);
    const QImage back = m_window->grab().toImage();
    for (const auto &[picture, suffix] :
        {std::pair {down, "-node-down"}, std::pair {back, "-caught-up"}}) {
        const QString path = QString(artifact).replace(
            QStringLiteral(".png"), QLatin1String(suffix) + QStringLiteral(".png"));
        QVERIFY2(picture.save(path), qPrintable(path));
        qInfo("fault screenshot: %s", qPrintable(path));
    }

    // The same window on a dark palette: every view follows it.
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2B, 0x2B, 0x2B));
    dark.setColor(QPalette::WindowText, QColor(0xE6, 0xE6, 0xE6));
    dark.setColor(QPalette::Base, QColor(0x1E, 0x1E, 0x1E));
    dark.setColor(QPalette::AlternateBase, QColor(0x33, 0x33, 0x33));
    dark.setColor(QPalette::Text, QColor(0xE6, 0xE6, 0xE6));
    dark.setColor(QPalette::PlaceholderText, QColor(0x9A, 0x9A, 0x9A));
    dark.setColor(QPalette::Button, QColor(0x3A, 0x3A, 0x3A));
    dark.setColor(QPalette::ButtonText, QColor(0xE6, 0xE6, 0xE6));
    dark.setColor(QPalette::Link, QColor(0x7F, 0xB8, 0xFF));
    dark.setColor(QPalette::Highlight, QColor(0x2F, 0x65, 0xCA));
    dark.setColor(QPalette::Mid, QColor(0x60, 0x60, 0x60));
    for (const auto role : {QPalette::Text, QPalette::WindowText, QPalette::ButtonText})
        dark.setColor(QPalette::Disabled, role, QColor(0x70, 0x70, 0x70));
    QApplication::setPalette(dark);
    QTest::qWait(300);
    const QImage darkImage = m_window->grab().toImage();
    QVERIFY(darkImage.pixelColor(darkImage.width() / 2, darkImage.height() / 2).lightness() < 128
        || darkImage.pixelColor(10, darkImage.height() - 5).lightness() < 128);
    const QString darkArtifact
        = QString(artifact).replace(QStringLiteral(".png"), QStringLiteral("-dark.png"));
    QVERIFY2(darkImage.save(darkArtifact), qPrintable(darkArtifact));
    qInfo("dark screenshot: %s", qPrintable(darkArtifact));
    if (qEnvironmentVariable("FARMCHAT_UPDATE_SCREENSHOT") == QLatin1String("1")) {
        const QString docs = QDir(qEnvironmentVariable("FARMCHAT_SOURCE_DIR"))
                                 .filePath(QStringLiteral("docs/screenshot.png"));
        QVERIFY2(image.save(docs), qPrintable(docs));
        qInfo("updated %s", qPrintable(docs));
    }
}

QTEST_MAIN(tst_AppScreenshot)
#include "tst_appscreenshot.moc"
