"""The ziya-data pipeline for Airflow 3: copy this file into the DAGs folder of an Airflow
that has `ziya-data` and `apache-airflow-providers-apache-spark` installed, and
`spark-submit` on its PATH. Settings (Variables, params, the Spark connection) are
described in `ziya_data.airflow_dags`."""

from ziya_data.airflow_dags import pipeline_dag

dag = pipeline_dag("ziya_data_pipeline", conn_id="spark_default")
