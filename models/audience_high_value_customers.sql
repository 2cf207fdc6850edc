-- One row per retail customer whose net spend is in the top 10% of customers who spent anything.
with paying_customers as (
    select
        customers.*,
        {{percentile_cont "customers.net_spend" 0.9}} as min_net_spend
    from {{ref "retail_customers"}} as customers
    where customers.net_spend > 0
)

select
    paying_customers.customer_id,
    paying_customers.country,
    paying_customers.net_spend,
    paying_customers.order_count,
    paying_customers.first_order_at,
    paying_customers.last_order_at
from paying_customers
where paying_customers.net_spend >= paying_customers.min_net_spend
