// The delivery matrix view on its own, offscreen: the message column stays
// readable however many panes' columns the table holds.
#include "app/deliverymatrixmodel.h"
#include "app/deliverymatrixview.h"
#include "app/farmworkspace.h"
#include "client/deliverytracker.h"

#include <QHeaderView>
#include <QScrollBar>
#include <QTableView>
#include <QTest>

using namespace farmchat;

class tst_DeliveryMatrixView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void messageColumnStaysReadable_data();
    void messageColumnStaysReadable();
};

void tst_DeliveryMatrixView::messageColumnStaysReadable_data()
{
    QTest::addColumn<int>("panes");
    QTest::addColumn<bool>("scrollsSideways");
    QTest::addRow("2 panes") << 2 << false;
    QTest::addRow("4 panes") << 4 << true;
    QTest::addRow("8 panes") << 8 << true;
}

void tst_DeliveryMatrixView::messageColumnStaysReadable()
{
    // 480 px: the matrix dock beside the panes at 1280x720.
    QFETCH(int, panes);
    QFETCH(bool, scrollsSideways);
    FarmWorkspace workspace;
    DeliveryMatrixView view(workspace);
    view.resize(480, 300);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    for (int i = 0; i < panes; ++i)
        workspace.tracker().addPane(
            QStringLiteral("pane-%1").arg(i), QStringLiteral("node-%1").arg(9090 + i));
    QTest::qWait(0); // the header lays its sections out
    QTableView *table = view.table();
    const int readable
        = table->fontMetrics().averageCharWidth() * DeliveryMatrixView::kReadableMessageChars;
    const int width = table->columnWidth(DeliveryMatrixModel::kMessageColumn);
    QVERIFY2(width >= readable,
        qPrintable(QStringLiteral("%1 px for the message, %2 needed").arg(width).arg(readable)));
    QTRY_COMPARE(table->horizontalScrollBar()->maximum() > 0, scrollsSideways);
    // Wider again: the column takes what is free and nothing scrolls.
    view.resize(1400, 300);
    QTRY_COMPARE(table->horizontalScrollBar()->maximum(), 0);
    QVERIFY(table->columnWidth(DeliveryMatrixModel::kMessageColumn) >= readable);
}

QTEST_MAIN(tst_DeliveryMatrixView)
#include "tst_deliverymatrixview.moc"
